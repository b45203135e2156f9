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
}

interface Pair {
  client: Deno.Conn;
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
  #refuse = false;
  #accepted = 0;

  private constructor(target: ProxyTarget, options: ProxyOptions) {
    this.#target = target;
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

  /** While true, bytes from the service to clients are dropped (a silent network). */
  set stallServer(value: boolean) {
    this.#stallServer = value;
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
      const pair = { client } as Pair;
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
    await Promise.all([
      this.#pump(pair.client, pair.server, pair, () => false),
      this.#pump(pair.server, pair.client, pair, () => this.#stallServer),
    ]);
  }

  async #pump(from: Deno.Conn, to: Deno.Conn, pair: Pair, drop: () => boolean): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        if (drop()) continue;
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
