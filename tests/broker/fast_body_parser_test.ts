import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Parser } from "@stomp/stompjs";
import { installFastBodyParsing } from "../../src/broker/fast_body_parser.ts";

interface RawFrame {
  command?: string;
  headers: [string, string][];
  binaryBody?: Uint8Array;
}

const encoder = new TextEncoder();

function frameBytes(command: string, headers: string[], body: Uint8Array): Uint8Array {
  const head = encoder.encode(`${command}\n${headers.join("\n")}${headers.length ? "\n" : ""}\n`);
  const out = new Uint8Array(head.length + body.length + 1);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** Feed `stream` to a parser in chunks of the given sizes (cycled). */
function parse(stream: Uint8Array, sizes: number[]): { frames: RawFrame[]; pings: number } {
  const frames: RawFrame[] = [];
  let pings = 0;
  const parser = new Parser((frame) => frames.push(frame), () => pings++);
  let offset = 0;
  for (let k = 0; offset < stream.length; k++) {
    const size = sizes[k % sizes.length];
    parser.parseChunk(stream.slice(offset, offset + size).buffer);
    offset += size;
  }
  return { frames, pings };
}

Deno.test("fast body parsing gives the same frames for every chunking", () => {
  assert(installFastBodyParsing(), "the fast path is active for this stompjs version");
  const binary = new Uint8Array(100_000).map((_, i) => (i * 7) % 256); // has NULs
  const stream = new Uint8Array([
    ...frameBytes("MESSAGE", ["a:1", `content-length:${binary.length}`], binary),
    0x0a, // heart-beat
    ...frameBytes("RECEIPT", ["receipt-id:r1"], new Uint8Array(0)),
    ...frameBytes("MESSAGE", ["content-length:0"], new Uint8Array(0)),
    ...frameBytes("MESSAGE", [], encoder.encode("no length é")),
    0x0d,
    0x0a,
    ...frameBytes("MESSAGE", ["content-length:3"], new Uint8Array([0, 0, 0])),
  ]);
  for (const sizes of [[1], [7, 3, 1000], [65536], [stream.length]]) {
    const { frames, pings } = parse(stream, sizes);
    assertEquals(pings, 2, `pings with chunks ${sizes}`);
    assertEquals(frames.map((f) => f.command), [
      "MESSAGE",
      "RECEIPT",
      "MESSAGE",
      "MESSAGE",
      "MESSAGE",
    ]);
    assertEquals(frames[0].headers, [["a", "1"], ["content-length", String(binary.length)]]);
    assertEquals(frames[0].binaryBody, binary);
    assertEquals(frames[1].binaryBody, new Uint8Array(0));
    assertEquals(frames[2].binaryBody, new Uint8Array(0));
    assertEquals(frames[3].binaryBody, encoder.encode("no length é"));
    assertEquals(frames[4].binaryBody, new Uint8Array([0, 0, 0]));
  }
});

Deno.test("fast body parsing reads a 64 MiB body in bulk", () => {
  installFastBodyParsing();
  const body = new Uint8Array(64 * 1024 * 1024).fill(0x41);
  body[body.length - 1] = 0x42;
  const stream = frameBytes("MESSAGE", [`content-length:${body.length}`], body);
  const started = performance.now();
  const { frames } = parse(stream, [65536]);
  const took = performance.now() - started;
  assertEquals(frames.length, 1);
  assertEquals(frames[0].binaryBody!.length, body.length);
  assertEquals(frames[0].binaryBody![body.length - 1], 0x42);
  console.log(`64 MiB body parsed in ${took.toFixed(0)} ms`);
  // stompjs's byte-by-byte path needs several seconds (about 7 s here) for this.
  assert(took < 3000, `took ${took} ms`);
});
