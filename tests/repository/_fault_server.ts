/**
 * Fault injection for the repository client: an HTTP server on 127.0.0.1
 * that answers with given failure statuses first, then forwards each request
 * to the real Fedora (rewriting nothing but the target). An `intercept` hook
 * can hold, alter or replace single answers.
 *
 * @module
 */

/**
 * Decides one answer: return a `Response` (held, altered, made up) or
 * `undefined` to forward the request as usual. `forward` sends a request to
 * the real service.
 */
export type Interceptor = (
  req: Request,
  forward: (req: Request) => Promise<Response>,
) => Promise<Response | undefined> | Response | undefined;

/** A forwarding HTTP server whose first answers can be failures. */
export class FaultServer {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #target: string;
  readonly #client = Deno.createHttpClient({ allowHost: true });
  /** Statuses still to be answered instead of forwarding, in order. */
  failures: number[] = [];
  /** Requests seen, as `METHOD path`. */
  readonly seen: string[] = [];
  /** The headers of each request seen (same order as `seen`). */
  readonly seenHeaders: Headers[] = [];
  /** Delay before forwarding each request, in ms (to hold requests in flight). */
  delayMs = 0;
  /** Requests being handled now, and the most at once so far. */
  inFlight = 0;
  maxInFlight = 0;
  /** Called for each request after `failures` are used up. */
  intercept?: Interceptor;

  /** @param target origin of the real service, e.g. `http://127.0.0.1:8080` */
  constructor(target: string) {
    this.#target = target;
    this.#server = Deno.serve(
      {
        hostname: "127.0.0.1",
        port: 0,
        onListen: () => {},
        // The client gave up on a request being forwarded (e.g. its body failed).
        onError: () => new Response("the fault server could not forward this", { status: 502 }),
      },
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
      return await this.#answer(req);
    } finally {
      this.inFlight--;
    }
  }

  async #answer(req: Request): Promise<Response> {
    const url = new URL(req.url);
    this.seen.push(`${req.method} ${url.pathname}`);
    this.seenHeaders.push(new Headers(req.headers));
    const failure = this.failures.shift();
    if (failure !== undefined) {
      await req.body?.cancel();
      return new Response(`injected failure ${failure}`, { status: failure });
    }
    const intercepted = await this.intercept?.(req, (r) => this.#forward(r));
    return intercepted ?? await this.#forward(req);
  }

  async #forward(req: Request): Promise<Response> {
    const url = new URL(req.url);
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
