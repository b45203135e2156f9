import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { filesPages } from "../../../src/commands/export/metadata.ts";
import type { ObjectStructure } from "../../../src/commands/export/structure.ts";

const O = "http://repo.example/rest/o";

/** An object whose pages have `labels` and the given file names (one binary URI each). */
function objectWith(pages: { label?: string; files: string[] }[]) {
  const binaryPaths = new Map<string, string>();
  const structure: ObjectStructure = {
    uri: O,
    graph: [],
    types: [],
    description: {} as ObjectStructure["description"],
    proxyGraph: [],
    files: [],
    pages: pages.map((page, i) => ({
      uri: `${O}/m/page-${i + 1}`,
      label: page.label,
      graph: [],
      files: page.files.map((name) => {
        const uri = `${O}/m/page-${i + 1}/f/${name}`;
        binaryPaths.set(uri, `o/${name}`);
        return { uri, filename: name, mimeType: "image/png", graph: [] };
      }),
    })),
  };
  return filesPages(structure, binaryPaths);
}

Deno.test("FILES labels: written when a page title is not the default, for every page", () => {
  assertEquals(objectWith([{ label: "Page 1", files: ["a.png"] }, { files: ["b.png"] }]), [
    { files: ["o/a.png"] },
    { files: ["o/b.png"] },
  ]);
  assertEquals(objectWith([{ label: "Front", files: ["a.png", "a.tif"] }, { files: ["b.png"] }]), [
    { label: "Front", files: ["o/a.png", "o/a.tif"] },
    { label: "Page 2", files: ["o/b.png"] },
  ]);
});

Deno.test("FILES labels: left out when the labelled cell would not read back as the same pages", () => {
  // a title with a colon; a page whose files do not share a base name
  for (
    const pages of [
      [{ label: "Front: detail", files: ["a.png"] }, { label: "Back", files: ["b.png"] }],
      [{ label: "Front", files: ["a.png", "z.tif"] }, { label: "Back", files: ["b.png"] }],
    ]
  ) {
    assertEquals(
      objectWith(pages),
      pages.map((p) => ({ files: p.files.map((f) => `o/${f}`) })),
    );
  }
});
