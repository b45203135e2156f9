/**
 * Fault injection for the repository client: an HTTP server on 127.0.0.1
 * that answers with given failure statuses first, then forwards each request
 * to the real Fedora (rewriting nothing but the target).
 *
 * @module
 */

/** A forwarding HTTP server whose first answers can be failures. */
export class FaultServer {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #target: string;
  readonly #client = Deno.createHttpClient({ allowHost: true });
  /** Statuses still to be answered instead of forwarding, in order. */
  failures: number[] = [];
  /** Requests seen, as `METHOD path`. */
  readonly seen: string[] = [];
  /** Delay before forwarding each request, in ms (to hold requests in flight). */
  delayMs = 0;
  /** Requests being handled now, and the most at once so far. */
  inFlight = 0;
  maxInFlight = 0;

  /** @param target origin of the real service, e.g. `http://127.0.0.1:8080` */
  constructor(target: string) {
    this.#target = target;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
  }

  /** The origin to send requests to, e.g. `http://127.0.0.1:40123`. */
  get origin(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  async #handle(req: Request): Promise<Response> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      return await this.#forward(req);
    } finally {
      this.inFlight--;
    }
  }

  async #forward(req: Request): Promise<Response> {
    const url = new URL(req.url);
    this.seen.push(`${req.method} ${url.pathname}`);
    const failure = this.failures.shift();
    if (failure !== undefined) {
      await req.body?.cancel();
      return new Response(`injected failure ${failure}`, { status: failure });
    }
    // The Host header is kept, so the URIs Fedora builds (Location, tx: prefixes) point here.
    const res = await fetch(this.#target + url.pathname + url.search, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      client: this.#client,
    });
    return new Response(res.body, { status: res.status, headers: res.headers });
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.#server.shutdown();
    this.#client.close();
  }
}
