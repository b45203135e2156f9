/**
 * A TCP proxy on 127.0.0.1 in front of the repository that parses the HTTP/1.1
 * requests passing through (request line, headers, `Content-Length` or
 * chunked bodies) without changing a byte, so the `Host` the repository sees
 * — and so every URI it mints — stays the proxy's. It records when each
 * request started and when the last answer byte went back, which is what
 * the benchmark needs to count repository requests per object and to
 * measure the daemon's own overhead around them. With `captureBodies` it also
 * keeps each request's decoded body, for {@link ../bench/floor.ts}.
 *
 * @module
 */

/** One request seen by the proxy. */
export interface RecordedRequest {
  /** `performance.now()` when its first byte arrived. */
  at: number;
  method: string;
  /** The request target as sent (a path, e.g. `/fcrepo/rest/x`). */
  target: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** The decoded body, when bodies are captured. */
  body?: Uint8Array;
  /** Body length in bytes. */
  bodyBytes: number;
  /** `performance.now()` when the first byte of its answer came back. */
  answeredAt?: number;
}

/** Where the proxy forwards to. */
export interface RecorderTarget {
  host: string;
  port: number;
}

const CRLF2 = new Uint8Array([13, 10, 13, 10]);
const decoder = new TextDecoder();

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Incremental parser of one connection's request stream. */
class RequestStream {
  #buffer: Uint8Array = new Uint8Array(0);
  #current?: RecordedRequest;
  #parts: Uint8Array[] = [];
  /** Remaining bytes of a `Content-Length` body or of the current chunk (+2 for its CRLF). */
  #remaining = 0;
  #mode: "head" | "length" | "chunk-size" | "chunk-data" | "trailer" = "head";

  /** Requests whose answer has not started yet, oldest first (HTTP/1.1: no pipelining). */
  readonly awaiting: RecordedRequest[] = [];

  constructor(
    readonly capture: boolean,
    readonly onRequest: (request: RecordedRequest) => void,
  ) {}

  push(chunk: Uint8Array, now: number): void {
    this.#buffer = concat(this.#buffer, chunk);
    for (;;) {
      if (this.#mode === "head") {
        const end = indexOf(this.#buffer, CRLF2);
        if (end < 0) return;
        const lines = decoder.decode(this.#buffer.subarray(0, end)).split("\r\n");
        this.#buffer = this.#buffer.slice(end + 4);
        const [method, target] = lines[0].split(" ");
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(":");
          if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        this.#current = { at: now, method, target, headers, bodyBytes: 0 };
        this.awaiting.push(this.#current);
        this.#parts = [];
        if (/chunked/i.test(headers["transfer-encoding"] ?? "")) this.#mode = "chunk-size";
        else if (Number(headers["content-length"] ?? 0) > 0) {
          this.#remaining = Number(headers["content-length"]);
          this.#mode = "length";
        } else this.#finish();
      } else if (this.#mode === "length" || this.#mode === "chunk-data") {
        if (this.#buffer.length === 0) return;
        const n = Math.min(this.#remaining, this.#buffer.length);
        const data = this.#buffer.subarray(0, n);
        const payload = this.#mode === "chunk-data"
          ? data.subarray(0, Math.max(0, Math.min(n, this.#remaining - 2)))
          : data;
        this.#current!.bodyBytes += payload.length;
        if (this.capture) this.#parts.push(payload.slice());
        this.#remaining -= n;
        this.#buffer = this.#buffer.slice(n);
        if (this.#remaining > 0) return;
        if (this.#mode === "length") this.#finish();
        else this.#mode = "chunk-size";
      } else if (this.#mode === "chunk-size") {
        const end = indexOf(this.#buffer, CRLF2.subarray(0, 2));
        if (end < 0) return;
        const size = parseInt(decoder.decode(this.#buffer.subarray(0, end)).split(";")[0], 16);
        this.#buffer = this.#buffer.slice(end + 2);
        if (size === 0) this.#mode = "trailer";
        else {
          this.#remaining = size + 2;
          this.#mode = "chunk-data";
        }
      } else {
        const end = indexOf(this.#buffer, CRLF2.subarray(0, 2));
        if (end < 0) return;
        this.#buffer = this.#buffer.slice(end + 2);
        if (end === 0) this.#finish();
      }
    }
  }

  #finish(): void {
    const request = this.#current!;
    if (this.capture) {
      let body: Uint8Array = new Uint8Array(0);
      for (const part of this.#parts) body = concat(body, part);
      request.body = body;
    }
    this.onRequest(request);
    this.#current = undefined;
    this.#mode = "head";
  }
}

/** The recording proxy; see the module documentation. */
export class HttpRecorder {
  readonly #listener: Deno.TcpListener;
  readonly #target: RecorderTarget;
  readonly #conns = new Set<Deno.Conn>();
  readonly #accepting: Promise<void>;
  /** Every request seen since the last {@linkcode HttpRecorder.reset}. */
  requests: RecordedRequest[] = [];
  /** `performance.now()` of the last byte the repository sent back. */
  lastAnswerAt = 0;
  /** Keep request bodies (for replay). */
  captureBodies = false;

  private constructor(target: RecorderTarget) {
    this.#target = target;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#accepting = this.#accept();
  }

  /** Listen on a free port of 127.0.0.1, forwarding to `target`. */
  static start(target: RecorderTarget): HttpRecorder {
    return new HttpRecorder(target);
  }

  /** The port the proxy listens on. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** Forget what was recorded so far. */
  reset(): void {
    this.requests = [];
    this.lastAnswerAt = 0;
  }

  /** Stop listening and close every connection. */
  async close(): Promise<void> {
    this.#listener.close();
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch { /* closed */ }
    }
    await this.#accepting.catch(() => {});
  }

  async #accept(): Promise<void> {
    for await (const client of this.#listener) this.#serve(client);
  }

  async #serve(client: Deno.Conn): Promise<void> {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: this.#target.host, port: this.#target.port });
    } catch {
      client.close();
      return;
    }
    this.#conns.add(client);
    this.#conns.add(server);
    const parser = new RequestStream(this.captureBodies, (r) => this.requests.push(r));
    const up = (async () => {
      for await (const chunk of client.readable) {
        parser.push(chunk, performance.now());
        await writeAll(server, chunk);
      }
    })();
    const down = (async () => {
      for await (const chunk of server.readable) {
        this.lastAnswerAt = performance.now();
        const answered = parser.awaiting.shift();
        if (answered) answered.answeredAt = this.lastAnswerAt;
        await writeAll(client, chunk);
      }
    })();
    await Promise.race([up, down]).catch(() => {});
    for (const conn of [client, server]) {
      try {
        conn.close();
      } catch { /* closed */ }
      this.#conns.delete(conn);
    }
    await Promise.allSettled([up, down]);
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}
