import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { BadRequestError } from "../../src/errors.ts";
import { decodeBody, invalidUtf8Offset } from "../../src/runner/utf8.ts";

Deno.test("invalidUtf8Offset accepts valid UTF-8 and finds the first bad byte", () => {
  const enc = new TextEncoder();
  assertEquals(invalidUtf8Offset(enc.encode("plain ASCII, ümlauts, 日本, 🐢")), -1);
  assertEquals(invalidUtf8Offset(new Uint8Array([0x61, 0x62, 0xff, 0x63])), 2);
  assertEquals(invalidUtf8Offset(new Uint8Array([0x61, 0xc3])), 1); // truncated
  assertEquals(invalidUtf8Offset(new Uint8Array([0xc0, 0x80])), 0); // overlong
  assertEquals(invalidUtf8Offset(new Uint8Array([0xed, 0xa0, 0x80])), 0); // surrogate
  assertEquals(invalidUtf8Offset(new Uint8Array([0xf4, 0x90, 0x80, 0x80])), 0); // > U+10FFFF
});

Deno.test("decodeBody drops a BOM and names the offset of bad bytes", () => {
  assertEquals(decodeBody(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69])), "hi");
  assertThrows(
    () => decodeBody(new Uint8Array([0x68, 0x69, 0x0a, 0xe9, 0x74])),
    (e) => e instanceof BadRequestError && /byte offset 3/.test(e.message),
  );
});
