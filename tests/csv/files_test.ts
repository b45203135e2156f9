import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { formatPages, groupPages, itemFiles, unsafePathReason } from "../../src/csv/files.ts";

Deno.test("files equal without their last extension form one page, in order of first appearance", () => {
  const { value, problems } = groupPages("a/img-0001.tif;a/img-0001.jpg;a/img-0002.tif");
  assertEquals(problems, []);
  assertEquals(value, [{ files: ["a/img-0001.tif", "a/img-0001.jpg"] }, {
    files: ["a/img-0002.tif"],
  }]);
  const scattered = groupPages("p/2.tif;p/1.tif;p/2.png").value;
  assertEquals(scattered.map((p) => p.files), [["p/2.tif", "p/2.png"], ["p/1.tif"]]);
});

Deno.test("labels name pages; all or none; two labels in one group are refused", () => {
  const { value, problems } = groupPages("Front:pc/front.png;pc/front.tif;Back:pc/back.png");
  assertEquals(problems, []);
  assertEquals(value, [{ label: "Front", files: ["pc/front.png", "pc/front.tif"] }, {
    label: "Back",
    files: ["pc/back.png"],
  }]);
  assertEquals(formatPages(value), "Front:pc/front.png;pc/front.tif;Back:pc/back.png");
  assert(groupPages("Front:pc/front.png;pc/back.png").problems[0].includes("every page"));
  assert(groupPages("Front:pc/front.png;Recto:pc/front.tif").problems[0].includes("two labels"));
});

Deno.test("a file listed twice, across FILES and ITEM_FILES too, is a problem", () => {
  const seen = new Set<string>();
  assert(groupPages("a/1.tif;a/1.tif", new Set()).problems.some((p) => p.includes("listed twice")));
  groupPages("a/1.tif", seen);
  assert(itemFiles("a/1.tif", seen).problems.some((p) => p.includes("listed twice")));
});

Deno.test("paths that could escape the binaries location are refused", () => {
  for (const bad of ["/etc/passwd", "../secret", "a/../../b", "a\\b", "C:/x", "a\u0000b"]) {
    assert(unsafePathReason(bad), bad);
  }
  for (const ok of ["a/b.tif", "a..b/c.tif", "dir/.hidden", "x"]) {
    assertEquals(unsafePathReason(ok), undefined);
  }
  assert(groupPages("../x.tif").problems[0].includes("goes up"));
});
