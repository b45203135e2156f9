import { deepStrictEqual as assertEquals, match as assertMatch, rejects } from "node:assert/strict";
import { join } from "node:path";
import { ZipStreamWriter } from "../../src/bagit/zip_writer.ts";
import { extractZip, listZip, unzipTest } from "../support/independent_tools.ts";

function streamOf(parts: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });
}

Deno.test("entries of unknown size get ZIP64 headers and still list cleanly with unzip -t", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "z.zip");
    const file = await Deno.create(path);
    const zip = new ZipStreamWriter(file.writable);
    const a = new TextEncoder().encode("first part;");
    const b = new TextEncoder().encode("second part");
    const info = await zip.add("root/streamed.txt", streamOf([a, b]));
    assertEquals(info.zip64, true);
    assertEquals(info.size, a.byteLength + b.byteLength);
    const small = await zip.add("root/small.txt", new TextEncoder().encode("small"), {
      mtime: new Date(2020, 0, 2, 3, 4, 6),
    });
    assertEquals(small.zip64, false);
    const deflated = await zip.add("root/text.txt", new TextEncoder().encode("a".repeat(10000)), {
      compress: true,
    });
    assertEquals(deflated.size, 10000);
    if (deflated.compressedSize >= 10000) throw new Error("deflate did not shrink the text");
    const summary = await zip.close();
    assertEquals(summary.entries, 3);
    assertEquals(summary.bytes, (await Deno.stat(path)).size);

    const tested = await unzipTest(path);
    assertEquals(tested.code, 0, tested.stdout + tested.stderr);
    assertMatch(tested.stdout, /No errors detected/);
    const out = await extractZip(path);
    assertEquals(await Deno.readTextFile(join(out, "root/streamed.txt")), "first part;second part");
    assertEquals(await Deno.readTextFile(join(out, "root/text.txt")), "a".repeat(10000));
    const entries = await listZip(path);
    assertEquals(entries.find((e) => e.name === "root/small.txt")?.mtime, [2020, 1, 2, 3, 4, 6]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failing source aborts the entry with its error", async () => {
  const zip = new ZipStreamWriter(new WritableStream());
  const broken = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array(10));
      controller.error(new Error("connection reset"));
    },
  });
  await rejects(() => zip.add("x/a", broken), /connection reset/);
});

Deno.test("more than 65,535 entries get the ZIP64 end records; unzip -t and Python's zipfile read every entry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "many.zip");
    const file = await Deno.create(path);
    const zip = new ZipStreamWriter(file.writable);
    const count = 65_540;
    const byte = new Uint8Array([0x61]);
    for (let i = 0; i < count; i++) {
      await zip.add(`m/${i}`, byte, { mtime: new Date(2021, 5, 6, 7, 8, 10) });
    }
    const summary = await zip.close();
    assertEquals([summary.entries, summary.zip64], [count, true]);

    // the end records, read independently: the classic one says "see ZIP64", the ZIP64 one counts
    const bytes = await Deno.readFile(path);
    const view = new DataView(bytes.buffer);
    const end = bytes.length - 22;
    assertEquals(view.getUint32(end, true), 0x06054b50);
    assertEquals(view.getUint16(end + 10, true), 0xffff);
    const locator = end - 20;
    assertEquals(view.getUint32(locator, true), 0x07064b50);
    const zip64End = Number(view.getBigUint64(locator + 8, true));
    assertEquals(view.getUint32(zip64End, true), 0x06064b50);
    assertEquals(Number(view.getBigUint64(zip64End + 32, true)), count);

    const tested = await unzipTest(path);
    assertEquals(tested.code, 0, tested.stdout.slice(-2000) + tested.stderr);
    assertMatch(tested.stdout, /No errors detected/);
    assertEquals(tested.stdout.match(/^ {4}testing: m\/\d+ +OK$/gm)?.length, count);
    const entries = await listZip(path);
    assertEquals(entries.length, count);
    assertEquals(entries.at(-1), {
      name: `m/${count - 1}`,
      size: 1,
      mtime: [2021, 6, 6, 7, 8, 10],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
