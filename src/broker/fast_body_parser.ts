/**
 * Fast, compact reading of large STOMP bodies in stompjs.
 *
 * stompjs 7's `Parser` handles every byte with a method call and collects a
 * body in a JavaScript array of numbers before copying it into a
 * `Uint8Array`: a 12 MiB body takes about 1.4 s and 250 MB of memory, a
 * 64 MiB one (the default `DAEMON.MAX_BODY_BYTES`) several seconds and over a
 * gigabyte. When a frame has a `content-length`, its body size is known, so
 * {@linkcode installFastBodyParsing} makes the parser copy body bytes in bulk
 * into one buffer of that size. Frames without `content-length`, headers and
 * heart-beats are still parsed by stompjs's own code.
 *
 * The patch is applied only when the `Parser` has the internals it relies on
 * (checked at install time); otherwise stompjs is left as it is.
 *
 * @module
 */

import { Parser } from "@stomp/stompjs";

/** The internals of stompjs's `Parser` the fast path uses. */
interface ParserInternals {
  _onByte: (byte: number) => void;
  _collectBodyFixedSize: (byte: number) => void;
  _consumeTokenAsRaw: () => Uint8Array;
  _bodyBytesRemaining: number;
  _token: number[];
  /** Body collected by the fast path, when one is being collected. */
  _fastBody?: Uint8Array;
  _fastLength?: number;
}

let installed: boolean | undefined;

/**
 * Patch stompjs's `Parser` for bulk body copies. Idempotent. Returns whether
 * the fast path is active (false if this stompjs version has other internals).
 */
export function installFastBodyParsing(): boolean {
  if (installed !== undefined) return installed;
  const proto = Parser.prototype as unknown as ParserInternals & {
    parseChunk: (segment: string | ArrayBuffer, appendMissingNULLonIncoming?: boolean) => void;
  };
  const originalConsume = proto._consumeTokenAsRaw;
  if (
    typeof proto._collectBodyFixedSize !== "function" || typeof originalConsume !== "function" ||
    typeof proto.parseChunk !== "function" ||
    !String(proto._collectBodyFixedSize).includes("_bodyBytesRemaining")
  ) {
    installed = false;
    return installed;
  }
  const encoder = new TextEncoder();
  proto.parseChunk = function (
    this: ParserInternals,
    segment: string | ArrayBuffer,
    appendMissingNULLonIncoming = false,
  ): void {
    let chunk = typeof segment === "string" ? encoder.encode(segment) : new Uint8Array(segment);
    if (appendMissingNULLonIncoming && chunk[chunk.length - 1] !== 0) {
      const withNull = new Uint8Array(chunk.length + 1);
      withNull.set(chunk, 0);
      chunk = withNull;
    }
    let i = 0;
    while (i < chunk.length) {
      if (this._onByte === this._collectBodyFixedSize && this._bodyBytesRemaining > 0) {
        if (this._fastBody === undefined) {
          // Bytes already collected (none in practice) come first.
          const already = this._token;
          this._fastBody = new Uint8Array(already.length + this._bodyBytesRemaining);
          this._fastBody.set(already);
          this._fastLength = already.length;
          this._token = [];
        }
        const n = Math.min(this._bodyBytesRemaining, chunk.length - i);
        this._fastBody.set(chunk.subarray(i, i + n), this._fastLength);
        this._fastLength! += n;
        this._bodyBytesRemaining -= n;
        i += n;
        continue;
      }
      this._onByte(chunk[i++]);
    }
  };
  proto._consumeTokenAsRaw = function (this: ParserInternals): Uint8Array {
    const body = this._fastBody;
    if (body === undefined) return originalConsume.call(this);
    this._fastBody = undefined;
    this._fastLength = undefined;
    this._token = [];
    return body;
  };
  installed = true;
  return installed;
}
