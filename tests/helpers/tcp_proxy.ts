/**
 * A tiny TCP proxy on 127.0.0.1 for fault injection: it forwards to a real
 * service and can cut every connection, stall the service's answers, or
 * refuse new connections.
 *
 * @example
 * ```ts
 * import { TcpProxy } from "./tcp_proxy.ts";
 * const proxy = TcpProxy.start({ host: "127.0.0.1", port: 61613 });
 * // connect a client to 127.0.0.1:proxy.port ...
 * proxy.cut();
 * await proxy.close();
 * ```
 *
 * @module
 */

/** Where the proxy forwards to. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/** Options of {@linkcode TcpProxy.start}. */
export interface ProxyOptions {
  /** Terminate TLS with this PEM certificate and key (forwarding plain TCP). */
  tls?: { cert: string; key: string };
  /** Keep what clients send, for {@linkcode TcpProxy.fromClients}. */
  record?: boolean;
}

interface Pair {
  client: Deno.Conn;
  /** Index of this connection in `fromClients`. */
  index: number;
  server?: Deno.Conn;
  done: Promise<void>;
}

/** A forwarding proxy whose connections a test can break. */
export class TcpProxy {
  readonly #listener: Deno.Listener<Deno.Conn, Deno.NetAddr>;
  readonly #target: ProxyTarget;
  readonly #pairs = new Set<Pair>();
  readonly #accepting: Promise<void>;
  #stallServer = false;
  #holdServer = false;
  #refuse = false;
  #accepted = 0;
  #fromClients: string[] = [];
  readonly #record: boolean;

  private constructor(target: ProxyTarget, options: ProxyOptions) {
    this.#target = target;
    this.#record = options.record ?? false;
    this.#listener = options.tls
      ? Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...options.tls })
      : Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#accepting = this.#acceptLoop();
  }

  /** Listen on a free port of 127.0.0.1 and forward to `target`. */
  static start(target: ProxyTarget, options: ProxyOptions = {}): TcpProxy {
    return new TcpProxy(target, options);
  }

  /** The port the proxy listens on. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Connections open now. */
  get open(): number {
    return this.#pairs.size;
  }

  /**
   * With `record`: everything clients sent so far, one string per connection
   * in the order they were accepted (bytes as Latin-1, so frames can be searched).
   */
  get fromClients(): readonly string[] {
    return this.#fromClients;
  }

  /** While true, bytes from the service to clients are dropped (a silent network). */
  set stallServer(value: boolean) {
    this.#stallServer = value;
  }

  /**
   * While true, bytes from the service to clients are held back (TCP keeps
   * them); set to false, they are delivered in order. Lets a test make a
   * frame from the service arrive after a frame the client sent later.
   */
  set holdServer(value: boolean) {
    this.#holdServer = value;
  }

  /** While true, new connections are closed at once. */
  set refuse(value: boolean) {
    this.#refuse = value;
  }

  /** Close every open connection (both sides) without any protocol goodbye. */
  cut(): void {
    for (const pair of this.#pairs) closePair(pair);
  }

  /** Stop listening, cut everything, and wait until all pumps ended. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    this.cut();
    await this.#accepting;
    await Promise.all([...this.#pairs].map((pair) => pair.done));
  }

  async #acceptLoop(): Promise<void> {
    while (true) {
      let client: Deno.Conn;
      try {
        client = await this.#listener.accept();
      } catch {
        return; // listener closed
      }
      this.#accepted++;
      if (this.#refuse) {
        client.close();
        continue;
      }
      const pair = { client, index: this.#fromClients.push("") - 1 } as Pair;
      pair.done = this.#serve(pair).finally(() => this.#pairs.delete(pair));
      this.#pairs.add(pair);
    }
  }

  async #serve(pair: Pair): Promise<void> {
    try {
      pair.server = await Deno.connect({ hostname: this.#target.host, port: this.#target.port });
    } catch {
      closePair(pair);
      return;
    }
    const record = this.#record
      ? (bytes: Uint8Array) => {
        for (let i = 0; i < bytes.length; i += 8192) {
          this.#fromClients[pair.index] += String.fromCharCode(...bytes.subarray(i, i + 8192));
        }
      }
      : undefined;
    await Promise.all([
      this.#pump(pair.client, pair.server, pair, () => false, record),
      this.#pump(
        pair.server,
        pair.client,
        pair,
        () => this.#stallServer,
        undefined,
        () => this.#holdServer,
      ),
    ]);
  }

  async #pump(
    from: Deno.Conn,
    to: Deno.Conn,
    pair: Pair,
    drop: () => boolean,
    record?: (bytes: Uint8Array) => void,
    hold: () => boolean = () => false,
  ): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        if (drop()) continue;
        record?.(buffer.subarray(0, n));
        while (hold()) await new Promise((resolve) => setTimeout(resolve, 10));
        let written = 0;
        while (written < n) written += await to.write(buffer.subarray(written, n));
      }
    } catch {
      // cut or reset: fall through and close both sides
    }
    closePair(pair);
  }
}

function closePair(pair: Pair): void {
  for (const conn of [pair.client, pair.server]) {
    try {
      conn?.close();
    } catch {
      // already closed
    }
  }
}
