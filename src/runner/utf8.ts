/**
 * Strict UTF-8 decoding that names the byte offset of the first bad byte.
 *
 * @module
 */
import { BadRequestError } from "../errors.ts";

/**
 * The offset of the first byte that is not part of a well-formed UTF-8
 * sequence, or -1 when all of `bytes` is valid UTF-8.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= bytes.length) return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Decode a message body as UTF-8, dropping a leading byte order mark.
 * Throws {@linkcode BadRequestError} naming the offset of the first bad byte.
 */
export function decodeBody(bytes: Uint8Array): string {
  const offset = invalidUtf8Offset(bytes);
  if (offset >= 0) {
    throw new BadRequestError(
      `the message body is not valid UTF-8 (bad byte 0x${
        bytes[offset].toString(16).padStart(2, "0")
      } at byte offset ${offset}); send the body encoded as UTF-8`,
    );
  }
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  return text.startsWith("\uFEFF") ? text.slice(1) : text;
}
