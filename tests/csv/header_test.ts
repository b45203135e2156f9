import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { exportHeader, planHeader } from "../../src/csv/header.ts";
import { ITEM } from "../../src/models/item.ts";
import { LETTER } from "../../src/models/letter.ts";
import { EDTF_DATATYPE } from "../../src/models/prefixes.ts";

Deno.test("header labels map to fields, embedded columns and system columns", () => {
  const plan = planHeader(ITEM, ["URI", "Title", "Creator", "Creator URI", "FILES", "INDEX", ""]);
  assertEquals(plan.errors, []);
  assertEquals(plan.columns.map((c) => c.role), [
    "system",
    "field",
    "embedded",
    "embedded",
    "system",
    "system",
    "ignored",
  ]);
});

Deno.test("[lang] headers take codes or language names; {Datatype} headers take CURIEs or EDTF", () => {
  const plan = planHeader(ITEM, [
    "Title [ja]",
    "Alternate Title [Japanese]",
    "Date {xsd:date}",
    "Description {EDTF}",
  ]);
  assertEquals(plan.errors, []);
  const [title, alt, date, description] = plan.columns;
  assert(title.role === "field" && title.lang === "ja");
  assert(alt.role === "field" && alt.lang === "ja");
  assert(date.role === "field" && date.datatype === "http://www.w3.org/2001/XMLSchema#date");
  assert(description.role === "field" && description.datatype === EDTF_DATATYPE);
  // the model's datatype without a suffix
  const plain = planHeader(ITEM, ["Date"]).columns[0];
  assert(plain.role === "field" && plain.datatype === EDTF_DATATYPE);
});

Deno.test("unknown, repeated and badly tagged columns refuse the job with every problem", () => {
  const { errors } = planHeader(ITEM, [
    "Title",
    "Colour Of Cover",
    "Title",
    "Title [Klingonese]",
    "Date {foo:bar}",
  ]);
  assertEquals(errors.length, 4);
  assert(errors[0].includes('"Colour Of Cover"') && errors[0].includes("Item"));
  assert(errors[1].includes("twice"));
  assert(errors[2].includes("Klingonese"));
  assert(errors[3].includes("foo:bar"));
  assert(planHeader(ITEM, ["Object Type [en]"]).errors[0].includes("URIs"));
});

Deno.test("the export header lists every column of the model once, and plans without errors", () => {
  for (const model of [ITEM, LETTER]) {
    const header = exportHeader(model, { files: true });
    assertEquals(new Set(header).size, header.length);
    assertEquals(planHeader(model, header).errors, []);
  }
  assert(exportHeader(LETTER).includes("Handle/Link"));
});
