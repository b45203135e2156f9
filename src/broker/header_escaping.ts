/**
 * STOMP 1.2 header value unescaping done right.
 *
 * stompjs 7 undoes the escapes `\r`, `\n`, `\c`, `\\` with four separate
 * replacements, which turns an escaped backslash followed by `n` (a header
 * value containing the two characters `\n`, e.g. a Windows path
 * `C:\new`) into a line feed. {@linkcode unescapeHeaderValue} decodes in one
 * pass, as the specification requires; {@linkcode installHeaderUnescapeFix}
 * makes stompjs use it.
 *
 * @module
 */

import { FrameImpl } from "@stomp/stompjs";

const ESCAPES: Readonly<Record<string, string>> = {
  "\\\\": "\\",
  "\\r": "\r",
  "\\n": "\n",
  "\\c": ":",
};

/**
 * Undo STOMP 1.2 header escaping in one pass.
 *
 * @example
 * ```ts
 * import { unescapeHeaderValue } from "./header_escaping.ts";
 * unescapeHeaderValue("C\\c\\\\new"); // "C:\\new"
 * ```
 */
export function unescapeHeaderValue(value: string): string {
  return value.replace(/\\[\\rnc]/g, (escape) => ESCAPES[escape]);
}

let installed = false;

/** Make stompjs unescape received header values with {@linkcode unescapeHeaderValue}. Idempotent. */
export function installHeaderUnescapeFix(): void {
  if (installed) return;
  (FrameImpl as unknown as { hdrValueUnEscape: (value: string) => string }).hdrValueUnEscape =
    unescapeHeaderValue;
  installed = true;
}
