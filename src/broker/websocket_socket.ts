/**
 * A minimal RFC 6455 WebSocket client for STOMP over WebSocket, over
 * `Deno.connect` / `Deno.connectTls`.
 *
 * Why not Deno's global `WebSocket`: it closes the connection when a text
 * frame is not valid UTF-8, and RabbitMQ's Web-STOMP sends every frame as
 * text by default (`web_stomp.ws_frame = text`), so one message whose body is
 * not UTF-8 would drop the connection, come again after the reconnect, and
 * wedge the daemon. This client hands the payload of text and binary frames
 * to stompjs as bytes, unchecked: STOMP frames carry their own
 * `content-length`, and the runner decides what to do with a body that is
 * not UTF-8. It also takes `CA_CERT` and a client certificate for `wss://`
 * the same way as the TLS transport.
 *
 * Each WebSocket message is passed on whole, after
 * {@linkcode repairContentLength}: ActiveMQ Classic (5.18) sends a body that
 * is not UTF-8 as text with U+FFFD replacements but keeps the original
 * `content-length`, which would desynchronise the STOMP parser for every
 * later frame. Outgoing strings go as text frames, binary data as binary
 * frames (ActiveMQ Classic ignores binary frames, so the connection sends
 * text).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { type TcpSocketTlsOptions, TcpStompSocket, toBytes } from "./tcp_socket.ts";

/** Options of {@linkcode WebSocketStompSocket}. */
export interface WebSocketSocketOptions {
  /** Sub-protocols to offer, e.g. `["v12.stomp"]`. */
  protocols?: string[];
  /** TLS settings for `wss://` (CA certificates, client certificate), or a function giving them at connection time. */
  tls?: TcpSocketTlsOptions | (() => TcpSocketTlsOptions);
  /** How long `close()` waits for the server's close frame, in ms (default 2000). */
  closeTimeoutMs?: number;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/** Upper bound of an HTTP handshake answer; more means it is not a WebSocket server. */
const MAX_HANDSHAKE_BYTES = 64 * 1024;

/** STOMP over WebSocket as a WebSocket-like object for stompjs's `webSocketFactory`. */
export class WebSocketStompSocket extends TcpStompSocket {
  readonly #key: string;
  readonly #request: Uint8Array;
  readonly #closeTimeout: number;
  #handshake: Uint8Array | undefined = new Uint8Array(0);
  #closeSent = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  // Frame parser state.
  #header = new Uint8Array(14);
  #headerLength = 0;
  #payloadLeft = 0;
  #opcode = 0;
  #mask: Uint8Array | undefined;
  #maskOffset = 0;
  #control: Uint8Array[] = [];
  #fin = false;
  #message: Uint8Array[] = [];

  /** Starts connecting at once to a `ws://` or `wss://` URL. */
  constructor(url: string, options: WebSocketSocketOptions = {}) {
    const parsed = new URL(url);
    const secure = parsed.protocol === "wss:";
    if (!secure && parsed.protocol !== "ws:") {
      throw new TypeError(`not a WebSocket URL: ${url}`);
    }
    const port = parsed.port ? Number(parsed.port) : secure ? 443 : 80;
    const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
    super({ host, port, tls: secure ? options.tls ?? {} : undefined }, url);
    this.#closeTimeout = options.closeTimeoutMs ?? 2000;
    this.#key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    const lines = [
      `GET ${parsed.pathname || "/"}${parsed.search} HTTP/1.1`,
      `Host: ${parsed.host}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${this.#key}`,
      "Sec-WebSocket-Version: 13",
    ];
    if (options.protocols?.length) {
      lines.push(`Sec-WebSocket-Protocol: ${options.protocols.join(", ")}`);
    }
    this.#request = new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n");
  }

  protected override connected(): void {
    this.queueWrite(this.#request);
  }

  protected override received(chunk: Uint8Array): void {
    if (this.#handshake) {
      const rest = this.#readHandshake(chunk);
      if (rest === undefined || rest.length === 0) return;
      chunk = rest;
    }
    this.#parseFrames(chunk);
  }

  protected override encodeOutgoing(
    data: string | ArrayBufferLike | ArrayBufferView,
  ): Uint8Array {
    return encodeFrame(typeof data === "string" ? OP_TEXT : OP_BINARY, toBytes(data));
  }

  protected override closing(): void {
    this.#sendClose(1000);
    this.#closeTimer = setTimeout(() => {
      this.finish({ code: 1006, reason: "no close frame from the server", wasClean: false });
    }, this.#closeTimeout);
  }

  protected override finish(event: { code: number; reason: string; wasClean: boolean }): void {
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    super.finish(event);
  }

  /** Collect the HTTP answer; returns the bytes after it once complete. */
  #readHandshake(chunk: Uint8Array): Uint8Array | undefined {
    const buffered = concat(this.#handshake!, chunk);
    const end = indexOfHeaderEnd(buffered);
    if (end < 0) {
      if (buffered.length > MAX_HANDSHAKE_BYTES) {
        this.fail("WebSocket handshake failed", new Error("no HTTP answer end"));
      }
      this.#handshake = buffered;
      return undefined;
    }
    this.#handshake = undefined;
    const text = new TextDecoder().decode(buffered.subarray(0, end));
    const [statusLine, ...headerLines] = text.split("\r\n");
    const headers = new Map<string, string>();
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      if (colon > 0) {
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
    }
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
    if (status !== "101") {
      this.fail(
        "WebSocket handshake refused",
        new Error(`${statusLine} (check the path of MESSAGE_BROKER.SERVER)`),
      );
      return undefined;
    }
    const expected = createHash("sha1").update(this.#key + GUID).digest("base64");
    if (headers.get("upgrade")?.toLowerCase() !== "websocket") {
      this.fail("WebSocket handshake failed", new Error("the answer has no Upgrade: websocket"));
      return undefined;
    }
    if (headers.get("sec-websocket-accept") !== expected) {
      this.fail("WebSocket handshake failed", new Error("wrong Sec-WebSocket-Accept"));
      return undefined;
    }
    this.opened();
    return buffered.subarray(end + 4);
  }

  #parseFrames(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length && this.readyState !== 3) {
      if (this.#payloadLeft === 0 && this.#headerLength >= 0) {
        // Reading a frame header.
        this.#header[this.#headerLength++] = chunk[offset++];
        const needed = headerSize(this.#header, this.#headerLength);
        if (this.#headerLength < needed) continue;
        this.#startFrame(needed);
        if (this.#payloadLeft === 0) this.#endFrame();
        continue;
      }
      const n = Math.min(this.#payloadLeft, chunk.length - offset);
      const payload = chunk.subarray(offset, offset + n);
      offset += n;
      this.#payloadLeft -= n;
      if (this.#mask) {
        for (let i = 0; i < payload.length; i++) {
          payload[i] ^= this.#mask[this.#maskOffset++ & 3];
        }
      }
      if (this.#opcode >= 0x8) this.#control.push(payload.slice());
      else this.#message.push(payload.slice());
      if (this.#payloadLeft === 0) this.#endFrame();
    }
  }

  #startFrame(headerLength: number): void {
    const h = this.#header;
    this.#opcode = h[0] & 0x0f;
    this.#fin = (h[0] & 0x80) !== 0;
    const masked = (h[1] & 0x80) !== 0;
    let length = h[1] & 0x7f;
    let at = 2;
    if (length === 126) {
      length = (h[2] << 8) | h[3];
      at = 4;
    } else if (length === 127) {
      length = Number(new DataView(h.buffer, 2, 8).getBigUint64(0));
      at = 10;
    }
    this.#mask = masked ? h.slice(at, at + 4) : undefined;
    this.#maskOffset = 0;
    this.#payloadLeft = length;
    this.#headerLength = -1; // in payload
    if (headerLength !== at + (masked ? 4 : 0)) throw new Error("bad WebSocket header size");
    const known = [OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG];
    if (!known.includes(this.#opcode)) {
      this.fail("WebSocket protocol error", new Error(`unknown opcode ${this.#opcode}`));
    }
  }

  #endFrame(): void {
    const opcode = this.#opcode;
    this.#headerLength = 0;
    if (opcode < 0x8) {
      if (!this.#fin) return;
      const message = concat(...this.#message);
      this.#message = [];
      if (message.length > 0) this.deliver(repairContentLength(message));
      return;
    }
    const payload = concat(...this.#control);
    this.#control = [];
    if (opcode === OP_PING) {
      this.queueWrite(encodeFrame(OP_PONG, payload));
    } else if (opcode === OP_CLOSE) {
      const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
      const reason = new TextDecoder().decode(payload.subarray(2));
      this.#sendClose(code === 1005 ? 1000 : code);
      const text = `the server closed the WebSocket (${code}${reason ? ` ${reason}` : ""})`;
      this.drain().then(() =>
        this.finish({ code, reason: text, wasClean: code === 1000 || code === 1001 })
      );
    }
  }

  #sendClose(code: number): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.queueWrite(encodeFrame(OP_CLOSE, new Uint8Array([code >> 8, code & 0xff])));
  }
}

/**
 * If `message` holds one STOMP frame whose `content-length` does not point at
 * its terminating NUL, set `content-length` to the body's real size.
 * Messages whose frames are consistent are returned unchanged.
 */
export function repairContentLength(message: Uint8Array): Uint8Array {
  const headerEnd = indexOfBlankLine(message);
  if (headerEnd < 0) return message;
  const head = new TextDecoder().decode(message.subarray(0, headerEnd));
  const match = /(^|\n)content-length:(\d+)\r?(?=\n|$)/.exec(head);
  if (!match) return message;
  const bodyStart = headerEnd + (message[headerEnd] === 13 ? 4 : 2);
  const declared = Number(match[2]);
  if (message[bodyStart + declared] === 0) return message;
  const lastNul = message.lastIndexOf(0);
  if (lastNul < bodyStart) return message;
  const actual = lastNul - bodyStart;
  const fixedHead = head.replace(match[0], `${match[1]}content-length:${actual}`);
  return concat(new TextEncoder().encode(fixedHead), message.subarray(headerEnd));
}

/** Index of the first `\n\n` or `\r\n\r\n` (the end of a frame's headers), or -1. */
function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] !== 10 && bytes[i] !== 13) continue;
    if (bytes[i] === 10 && bytes[i + 1] === 10) return i;
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** Bytes needed for the header that starts with `header[0..length)`. */
function headerSize(header: Uint8Array, length: number): number {
  if (length < 2) return 2;
  const len7 = header[1] & 0x7f;
  const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  return 2 + extended + ((header[1] & 0x80) !== 0 ? 4 : 0);
}

/** One final, masked client frame. */
function encodeFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const frame = new Uint8Array(2 + extended + 4 + length);
  frame[0] = 0x80 | opcode;
  if (extended === 0) {
    frame[1] = 0x80 | length;
  } else if (extended === 2) {
    frame[1] = 0x80 | 126;
    frame[2] = length >> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  }
  const maskAt = 2 + extended;
  const mask = crypto.getRandomValues(new Uint8Array(4));
  frame.set(mask, maskAt);
  const body = frame.subarray(maskAt + 4);
  body.set(payload);
  for (let i = 0; i < length; i++) body[i] ^= mask[i & 3];
  return frame;
}

function indexOfHeaderEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
