import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { BagWriter, encodeManifestPath } from "../../src/bagit/bag.ts";
import { VERSION } from "../../src/version.ts";
import { extractZip, listZip, unzipTest, validateBag } from "../support/independent_tools.ts";

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) {
    crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  }
  return out;
}

function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

Deno.test("a bag with streamed payload validates with the PyPI bagit package and unzip -t", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const zipPath = join(dir, "my-export.zip");
    const file = await Deno.create(zipPath);
    const bag = new BagWriter(file.writable, { root: "my-export" });
    const binary = randomBytes(3 * 1024 * 1024 + 17);
    const mtime = new Date("2021-06-15T10:20:30Z");
    const turtle = new TextEncoder().encode('<urn:a> <urn:b> "é" .\n');
    await bag.addPayload("metadata.ttl", turtle, {
      compress: true,
    });
    await bag.addPayload("obj-1/page 1.tif", chunked(binary, 10000), { mtime });
    await bag.addPayload("obj-2/ünïcode name.txt", new TextEncoder().encode("x"), { mtime });
    const summary = await bag.finish();
    assertEquals(summary.payloadFiles, 3);
    assertEquals(summary.payloadBytes, binary.byteLength + 1 + turtle.byteLength);
    assertEquals(summary.bytes, (await Deno.stat(zipPath)).size);

    const tested = await unzipTest(zipPath);
    assertEquals(tested.code, 0, tested.stdout + tested.stderr);
    assertMatch(tested.stdout, /No errors detected/);

    const extracted = await extractZip(zipPath);
    const validated = await validateBag(join(extracted, "my-export"));
    assertEquals(validated.code, 0, validated.stderr);
    assertMatch(validated.stdout, new RegExp(`VALID ${summary.payloadBytes}\\.3 1\\.0`));

    const copy = await Deno.readFile(join(extracted, "my-export/data/obj-1/page 1.tif"));
    assertEquals(copy, binary);
    const info = await Deno.readTextFile(join(extracted, "my-export/bag-info.txt"));
    assertMatch(
      info,
      new RegExp(`Bag-Software-Agent: plastrond/${VERSION.replaceAll(".", "\\.")}`),
    );
    assertMatch(info, /Bagging-Date: \d{4}-\d{2}-\d{2}\n/);

    const entries = await listZip(zipPath);
    const tif = entries.find((e) => e.name === "my-export/data/obj-1/page 1.tif");
    assert(tif, "binary entry listed");
    const local = new Date(2021, 5, 15, 0, 0, 0);
    local.setTime(mtime.getTime());
    assertEquals(tif.mtime, [
      local.getFullYear(),
      local.getMonth() + 1,
      local.getDate(),
      local.getHours(),
      local.getMinutes(),
      local.getSeconds() - (local.getSeconds() % 2),
    ]);
    for (
      const name of [
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "manifest-sha512.txt",
        "tagmanifest-sha256.txt",
        "tagmanifest-sha512.txt",
      ]
    ) {
      assert(entries.some((e) => e.name === `my-export/${name}`), `${name} present`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a tampered bag fails the independent validator (the check can fail)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const zipPath = join(dir, "b.zip");
    const file = await Deno.create(zipPath);
    const bag = new BagWriter(file.writable, { root: "b" });
    await bag.addPayload("a/file.bin", randomBytes(1000));
    await bag.finish();
    const extracted = await extractZip(zipPath);
    await Deno.writeFile(join(extracted, "b/data/a/file.bin"), randomBytes(1000));
    const validated = await validateBag(join(extracted, "b"));
    assert(validated.code !== 0, "tampered payload must not validate");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unsafe payload paths and duplicate entries are refused", async () => {
  const sink = new WritableStream<Uint8Array>();
  const bag = new BagWriter(sink, { root: "x" });
  for (const bad of ["../etc/passwd", "/abs", "a/../b", "a//b", ""]) {
    await assertRejects(() => bag.addPayload(bad, new Uint8Array(1)), TypeError);
  }
  await bag.addPayload("a", new Uint8Array(1));
  await assertRejects(() => bag.addPayload("a", new Uint8Array(1)), TypeError);
});

Deno.test("manifest paths percent-encode CR, LF and % as RFC 8493 asks", () => {
  assertEquals(encodeManifestPath("data/a%b\nc\rd.txt"), "data/a%25b%0Ac%0Dd.txt");
  assertEquals(encodeManifestPath("data/plain name.txt"), "data/plain name.txt");
});
