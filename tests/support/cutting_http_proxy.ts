/**
 * A TCP proxy on 127.0.0.1 in front of a real HTTP server that breaks one
 * kind of download midway: when a client sends a request whose request line
 * starts with `marker` (e.g. `GET /fcrepo/rest/x/f/1 `), the connection is
 * cut after `cutAfter` bytes of the answer; a request starting with a
 * `refusals` prefix is not forwarded but answered `409 Conflict` (as Fedora
 * answers a commit it could not make). Everything else passes through.
 * Fault injection only; the server behind it is real.
 *
 * @module
 */

/** A running proxy. */
export class CuttingHttpProxy {
  readonly #listener: Deno.TcpListener;
  readonly #conns = new Set<Deno.Conn>();
  readonly #loop: Promise<void>;
  /** Request-line prefixes whose answers are cut. */
  readonly markers = new Set<string>();
  /** Cuts made so far. */
  cuts = 0;
  /** Request-line prefixes answered with `409 Conflict` instead, with how many more times. */
  readonly refusals = new Map<string, number>();
  /** Requests refused so far. */
  refused = 0;

  constructor(
    readonly target: { host: string; port: number },
    readonly cutAfter = 256 * 1024,
  ) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#loop = this.#accept();
  }

  /** The proxy's port. */
  get port(): number {
    return this.#listener.addr.port;
  }

  async #accept(): Promise<void> {
    for await (const client of this.#listener) {
      this.#handle(client).catch(() => {});
    }
  }

  async #handle(client: Deno.Conn): Promise<void> {
    const server = await Deno.connect({ hostname: this.target.host, port: this.target.port });
    this.#conns.add(client);
    this.#conns.add(server);
    let budget = Infinity;
    const closeBoth = () => {
      for (const c of [client, server]) {
        try {
          c.close();
        } catch {
          // already closed
        }
        this.#conns.delete(c);
      }
    };
    const decoder = new TextDecoder();
    const upstream = (async () => {
      for await (const chunk of client.readable) {
        const text = decoder.decode(chunk);
        for (const [prefix, left] of this.refusals) {
          if (left > 0 && text.startsWith(prefix)) {
            this.refusals.set(prefix, left - 1);
            this.refused++;
            const body = "Failed to commit transaction (refused by the test proxy)";
            await writeAll(
              client,
              new TextEncoder().encode(
                `HTTP/1.1 409 Conflict\r\nContent-Type: text/plain\r\n` +
                  `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
              ),
            );
            closeBoth();
            return;
          }
        }
        for (const marker of this.markers) {
          if (text.includes(`\r\n${marker}`) || text.startsWith(marker)) budget = this.cutAfter;
        }
        await writeAll(server, chunk);
      }
    })();
    const downstream = (async () => {
      for await (const chunk of server.readable) {
        if (chunk.byteLength >= budget) {
          await writeAll(client, chunk.subarray(0, budget));
          this.cuts++;
          closeBoth();
          return;
        }
        if (budget !== Infinity) budget -= chunk.byteLength;
        await writeAll(client, chunk);
      }
    })();
    await Promise.allSettled([upstream, downstream]);
    closeBoth();
  }

  /** Stop listening and cut every connection. */
  async close(): Promise<void> {
    this.#listener.close();
    for (const c of this.#conns) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
    await this.#loop.catch(() => {});
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) offset += await conn.write(bytes.subarray(offset));
}
