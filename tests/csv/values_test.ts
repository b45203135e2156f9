import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { formatCell, parseCell, splitEscaped } from "../../src/csv/values.ts";

Deno.test("| separates values; \\| and \\\\ are a literal pipe and backslash", () => {
  assertEquals(parseCell("Pipe \\| in title|Second alternate"), [
    { value: "Pipe | in title" },
    { value: "Second alternate" },
  ]);
  assertEquals(parseCell("Back\\\\slash"), [{ value: "Back\\slash" }]);
  assertEquals(parseCell("C:\\temp"), [{ value: "C:\\temp" }]);
});

Deno.test("values are trimmed, empty values dropped, CRLF inside a value becomes LF", () => {
  assertEquals(parseCell("||empty values between separators||"), [{
    value: "empty values between separators",
  }]);
  assertEquals(parseCell("  a trailing space  "), [{ value: "a trailing space" }]);
  assertEquals(parseCell("line one\r\nline two"), [{ value: "line one\nline two" }]);
  assertEquals(parseCell(" | "), []);
});

Deno.test("[@lang] tags one value; header language and datatype type the others", () => {
  assertEquals(parseCell("The Trial|[@de]Der Proceß"), [{ value: "The Trial" }, {
    value: "Der Proceß",
    lang: "de",
  }]);
  assertEquals(parseCell("書簡集", { lang: "ja" }), [{ value: "書簡集", lang: "ja" }]);
  assertEquals(parseCell("1920~", { datatype: "http://id.loc.gov/datatypes/edtf" }), [
    { value: "1920~", datatype: "http://id.loc.gov/datatypes/edtf" },
  ]);
  // URIs take no tag
  assertEquals(parseCell("http://x/y", { isUri: true, lang: "en" }), [{ value: "http://x/y" }]);
});

Deno.test("; splits embedded objects, except when escaped", () => {
  assertEquals(splitEscaped("Lindqvist, Tor;Mbeki, Sipho", ";"), [
    "Lindqvist, Tor",
    "Mbeki, Sipho",
  ]);
  assertEquals(splitEscaped("A\\;B;C", ";"), ["A\\;B", "C"]);
  assertEquals(parseCell("A\\;B"), [{ value: "A;B" }]);
});

Deno.test("formatCell writes what parseCell reads back, for awkward values", () => {
  const values = [
    { value: "a|b" },
    { value: "back\\slash\\" },
    { value: "semi;colon" },
    { value: 'multi\nline, "quoted"' },
    { value: "Der Proceß", lang: "de" },
    { value: "\\|" },
  ];
  for (const inEmbedded of [false, true]) {
    const cell = formatCell(values, inEmbedded);
    const parts = inEmbedded ? splitEscaped(cell, ";") : [cell];
    assertEquals(parts.length, 1);
    assertEquals(parseCell(parts[0]), values);
  }
});
