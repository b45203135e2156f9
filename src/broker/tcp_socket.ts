/**
 * A WebSocket-shaped object over a plain TCP or TLS connection, so that
 * `@stomp/stompjs` (which speaks STOMP over WebSocket only) can talk to a
 * broker's STOMP port (`host:port`, `stomp+ssl://host:port`).
 *
 * STOMP over TCP is a byte stream; the stompjs parser consumes any chunking
 * of it byte by byte, so chunks are passed on as they arrive, as
 * `ArrayBuffer`s (the `binaryType` stompjs asks for).
 *
 * @example
 * ```ts
 * import { Client } from "@stomp/stompjs";
 * import { TcpStompSocket } from "./tcp_socket.ts";
 *
 * const client = new Client({
 *   webSocketFactory: () => new TcpStompSocket({ host: "127.0.0.1", port: 61613 }),
 * });
 * client.activate();
 * ```
 *
 * @module
 */

/** TLS settings for {@linkcode TcpStompSocket}. */
export interface TcpSocketTlsOptions {
  /** PEM CA certificates to trust in addition to the system roots. */
  caCerts?: string[];
  /** PEM client certificate (TLS client authentication). */
  cert?: string;
  /** PEM private key of {@linkcode TcpSocketTlsOptions.cert}. */
  key?: string;
}

/** Where and how {@linkcode TcpStompSocket} connects. */
export interface TcpSocketOptions {
  host: string;
  port: number;
  /**
   * Connect with TLS when set (may be `{}` for system roots only). A function
   * is called at connection time (e.g. to read certificate files); if it
   * throws, the connection fails with its message.
   */
  tls?: TcpSocketTlsOptions | (() => TcpSocketTlsOptions);
}

/** The event given to `onclose`, shaped like a WebSocket `CloseEvent`. */
export interface TcpSocketCloseEvent {
  /** 1000 after a clean close by either side, 1006 after an error. */
  code: number;
  /** Why the connection ended, for logs. */
  reason: string;
  wasClean: boolean;
}

/** The event given to `onerror`. */
export interface TcpSocketErrorEvent {
  type: "error";
  /** What failed, for logs. */
  message: string;
  error: unknown;
}

/** The event given to `onmessage`. */
export interface TcpSocketMessageEvent {
  data: ArrayBuffer;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * A WebSocket-like object (the `IStompSocket` shape stompjs needs) over
 * `Deno.connect` / `Deno.connectTls`.
 *
 * Writes are queued and written in order; {@linkcode TcpStompSocket.drain}
 * resolves once everything queued so far is written to the socket.
 * `onclose` is called exactly once, also when connecting fails.
 *
 * Subclasses (the WebSocket client) override the protected hooks
 * `connected`, `received`, `encodeOutgoing` and `closing`.
 */
export class TcpStompSocket {
  /** `tcp://host:port` or `tls://host:port` (or the WebSocket URL), for logs. */
  readonly url: string;
  /** Only `"arraybuffer"` is supported; stompjs sets it. */
  binaryType = "arraybuffer";
  onopen: ((event?: unknown) => unknown) | null | undefined = null;
  onmessage: ((event: TcpSocketMessageEvent) => unknown) | null | undefined = null;
  onclose: ((event: TcpSocketCloseEvent) => unknown) | null | undefined = null;
  onerror: ((event: TcpSocketErrorEvent) => unknown) | null | undefined = null;

  #readyState = CONNECTING;
  #conn: Deno.Conn | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #writes: Promise<void> = Promise.resolve();
  #closeEvent: TcpSocketCloseEvent | undefined;

  /** Starts connecting at once; `onopen` or `onerror`+`onclose` follow. */
  constructor(options: TcpSocketOptions, url?: string) {
    const scheme = options.tls ? "tls" : "tcp";
    this.url = url ?? `${scheme}://${options.host}:${options.port}`;
    this.#open(options).catch((error) => this.fail("connection failed", error));
  }

  /** 0 connecting, 1 open, 2 closing, 3 closed (as WebSocket). */
  get readyState(): number {
    return this.#readyState;
  }

  /** Queue data (strings are sent as UTF-8). Ignored unless open. */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (this.#readyState !== OPEN) return;
    if (data instanceof Blob) throw new TypeError(`${this.constructor.name} cannot send a Blob`);
    this.queueWrite(this.encodeOutgoing(data));
  }

  /**
   * Resolves once every byte queued by {@linkcode TcpStompSocket.send} so far
   * has been handed to the operating system, or the socket closed.
   */
  drain(): Promise<void> {
    return this.#writes;
  }

  /** Close after the queued writes; `onclose` follows. */
  close(): void {
    if (this.#readyState === CLOSED || this.#readyState === CLOSING) return;
    if (this.#readyState === CONNECTING) {
      this.finish({ code: 1000, reason: "closed while connecting", wasClean: true });
      return;
    }
    this.#readyState = CLOSING;
    this.closing();
  }

  /** Close at once, dropping queued writes; `onclose` follows synchronously. */
  terminate(): void {
    this.finish({ code: 1006, reason: "terminated by client", wasClean: false });
  }

  /** The event `onclose` was (or will be) called with, once closed. */
  get closeEvent(): TcpSocketCloseEvent | undefined {
    return this.#closeEvent;
  }

  /** The connection is up: by default the socket is open now. */
  protected connected(): void {
    this.opened();
  }

  /** Mark the socket open and tell `onopen`. */
  protected opened(): void {
    if (this.#readyState !== CONNECTING) return;
    this.#readyState = OPEN;
    this.#call(this.onopen, { type: "open" });
  }

  /** Bytes arrived: by default they go to `onmessage` as they are. */
  protected received(chunk: Uint8Array): void {
    this.deliver(chunk);
  }

  /** Give bytes to `onmessage` as an `ArrayBuffer` of their own. */
  protected deliver(bytes: Uint8Array): void {
    const data = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer as ArrayBuffer
      : bytes.slice().buffer;
    this.#call(this.onmessage, { data });
  }

  /** The bytes to write for `send(data)`: by default the data itself, strings as UTF-8. */
  protected encodeOutgoing(data: string | ArrayBufferLike | ArrayBufferView): Uint8Array {
    return toBytes(data);
  }

  /** `close()` was called on an open socket: by default finish once the queued writes are out. */
  protected closing(): void {
    this.#writes = this.#writes.then(() => {
      this.finish({ code: 1000, reason: "closed by client", wasClean: true });
    });
  }

  /** Queue bytes for writing, in order, while the connection exists. */
  protected queueWrite(bytes: Uint8Array): void {
    const writer = this.#writer;
    if (!writer || this.#readyState === CLOSED) return;
    this.#writes = this.#writes.then(async () => {
      if (this.#readyState === CLOSED) return;
      try {
        await writer.write(bytes);
      } catch (error) {
        this.fail("writing to the broker failed", error);
      }
    });
  }

  /** End with an error: `onerror`, then `onclose`. */
  protected fail(what: string, error: unknown): void {
    if (this.#readyState === CLOSED) return;
    const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
    this.#call(this.onerror, { type: "error", message, error });
    this.finish({ code: 1006, reason: message, wasClean: false });
  }

  /** Close the connection and tell `onclose` (once). */
  protected finish(event: TcpSocketCloseEvent): void {
    if (this.#readyState === CLOSED) return;
    this.#readyState = CLOSED;
    this.#closeEvent = event;
    if (this.#conn) closeQuietly(this.#conn);
    this.#conn = undefined;
    this.#writer = undefined;
    this.#call(this.onclose, event);
  }

  async #open(options: TcpSocketOptions): Promise<void> {
    let conn: Deno.Conn;
    if (options.tls) {
      const tls = typeof options.tls === "function" ? options.tls() : options.tls;
      conn = await Deno.connectTls({
        hostname: options.host,
        port: options.port,
        caCerts: tls.caCerts,
        cert: tls.cert,
        key: tls.key,
      });
    } else {
      const tcp = await Deno.connect({ hostname: options.host, port: options.port });
      tcp.setNoDelay(true);
      conn = tcp;
    }
    if (this.#readyState !== CONNECTING) {
      // Closed or terminated while connecting: the close event was already given.
      closeQuietly(conn);
      return;
    }
    this.#conn = conn;
    this.#writer = conn.writable.getWriter();
    this.connected();
    await this.#readLoop(conn);
  }

  async #readLoop(conn: Deno.Conn): Promise<void> {
    const reader = conn.readable.getReader();
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        if (this.#readyState === CLOSED) break;
        this.received(value);
      }
      this.finish({ code: 1006, reason: "connection closed by the broker", wasClean: false });
    } catch (error) {
      if (this.#readyState !== CLOSED) this.fail("reading from the broker failed", error);
    } finally {
      reader.releaseLock();
    }
  }

  #call<E>(listener: ((event: E) => unknown) | null | undefined, event: E): void {
    if (!listener) return;
    try {
      listener.call(this, event);
    } catch {
      // A listener's failure must not break the socket's own bookkeeping.
    }
  }
}

const encoder = new TextEncoder();

/** Bytes of `data`, strings as UTF-8 (no copy for binary data). */
export function toBytes(data: string | ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (typeof data === "string") return encoder.encode(data);
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  return new Uint8Array(data);
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
