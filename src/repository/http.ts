/**
 * The HTTP layer of the repository client: native `fetch` with the
 * configured auth, `User-Agent`, `On-Behalf-Of`, a bounded connection pool,
 * retries of transient failures, and errors mapped to the typed classes.
 *
 * @module
 */
import { reportRepositoryRequest } from "../metrics.ts";
import { VERSION } from "../version.ts";
import type { AuthProvider } from "./auth.ts";
import { ConnectionError, errorForStatus, RepositoryError, TransactionError } from "./errors.ts";
import { Limiter } from "./limiter.ts";
import { DEFAULT_RETRY_POLICY, isTransientStatus, type RetryPolicy, withRetry } from "./retry.ts";

/** `User-Agent` sent with every request. */
export const USER_AGENT = `plastrond/${VERSION}`;

/**
 * A request body. A function returning a stream can be called again for a
 * retry; a bare stream can be sent only once (so it is never retried).
 */
export type BodySource =
  | string
  | Uint8Array<ArrayBuffer>
  | ReadableStream<Uint8Array>
  | (() => ReadableStream<Uint8Array>);

/** One request to send. */
export interface HttpRequest {
  method: string;
  /** The URI to send the request to (already mapped into a Fedora 4 transaction if any). */
  url: string;
  /** The URI to name in errors (without a transaction prefix); defaults to `url`. */
  displayUri?: string;
  headers?: Record<string, string>;
  body?: BodySource;
  /** Whether the request may be retried (idempotent, or inside a transaction). */
  retryable: boolean;
  /** Aborts the request (e.g. when its transaction failed). */
  signal?: AbortSignal;
  /** Statuses that are not errors besides 2xx (e.g. 404 for an existence check). */
  acceptStatus?: readonly number[];
}

/** An answer whose body is read at most once; reading it frees the pool slot. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The body; errors while reading it are {@link ConnectionError}s. `null` when none. */
  body: ReadableStream<Uint8Array> | null;
  /** Reads the whole body as text. */
  text(): Promise<string>;
  /** Drops the body unread. */
  discard(): Promise<void>;
}

/** Options of {@link HttpCore}. */
export interface HttpCoreOptions {
  auth: AuthProvider;
  client?: Deno.HttpClient;
  onBehalfOf?: string;
  maxConnections: number;
  retry?: RetryPolicy;
}

function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError || (e instanceof Error && e.name === "ConnectionError");
}

function describeNetworkError(e: unknown): string {
  const msg = e instanceof Error ? `${e.message} ${String(e.cause ?? "")}` : String(e);
  if (/refused/i.test(msg)) return "connection refused: is the repository running at this address?";
  if (/reset|closed|broken pipe|eof|incomplete/i.test(msg)) {
    return "the connection to the repository was dropped";
  }
  if (/dns|lookup|resolve/i.test(msg)) return "the repository's host name cannot be resolved";
  return `the repository cannot be reached (${msg.trim()})`;
}

/** Sends requests to the repository. */
export class HttpCore {
  readonly #auth: AuthProvider;
  readonly #client?: Deno.HttpClient;
  readonly #onBehalfOf?: string;
  readonly #limiter: Limiter;
  readonly #retry: RetryPolicy;

  constructor(options: HttpCoreOptions) {
    this.#auth = options.auth;
    this.#client = options.client;
    this.#onBehalfOf = options.onBehalfOf;
    this.#limiter = new Limiter(options.maxConnections);
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /** Sends a request; throws the typed error for a failure status or a network failure. */
  send(req: HttpRequest): Promise<HttpResponse> {
    const canRetry = req.retryable && !(req.body instanceof ReadableStream);
    return withRetry(
      () => this.#once(req),
      (e) =>
        canRetry && e instanceof RepositoryError &&
        (e instanceof ConnectionError || (e.status !== undefined && isTransientStatus(e.status))),
      canRetry ? this.#retry : { ...this.#retry, attempts: 1 },
      req.signal,
    );
  }

  async #once(req: HttpRequest): Promise<HttpResponse> {
    const uri = req.displayUri ?? req.url;
    const headers = new Headers(req.headers);
    headers.set("User-Agent", USER_AGENT);
    if (this.#onBehalfOf) headers.set("On-Behalf-Of", this.#onBehalfOf);
    const authorization = await this.#auth.authorization();
    if (authorization) headers.set("Authorization", authorization);
    const body = typeof req.body === "function" ? req.body() : req.body;

    const release = await this.#limiter.acquire();
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(req.url, {
        method: req.method,
        headers,
        body,
        signal: req.signal,
        client: this.#client,
        redirect: "manual",
      });
      reportRepositoryRequest(req.method, started, res.status);
    } catch (e) {
      reportRepositoryRequest(req.method, started);
      release();
      if (req.signal?.aborted) {
        const reason = req.signal.reason;
        if (reason instanceof RepositoryError) throw reason;
        throw new TransactionError("the request was aborted", {
          method: req.method,
          uri,
          cause: reason,
        });
      }
      if (isNetworkError(e)) {
        throw new ConnectionError(describeNetworkError(e), { method: req.method, uri, cause: e });
      }
      throw e;
    }

    if (!res.ok && !(req.acceptStatus ?? []).includes(res.status) && !(res.status < 400)) {
      let text = "";
      try {
        text = await res.text();
      } catch { /* the message is optional */ }
      release();
      throw errorForStatus(req.method, uri, res.status, text);
    }
    return wrapResponse(res, release, req.method, uri);
  }

  /** Closes the HTTP client (its pooled connections). */
  close(): void {
    this.#client?.close();
  }
}

function wrapResponse(
  res: Response,
  release: () => void,
  method: string,
  uri: string,
): HttpResponse {
  if (!res.body) {
    release();
    return {
      status: res.status,
      headers: res.headers,
      body: null,
      text: () => Promise.resolve(""),
      discard: () => Promise.resolve(),
    };
  }
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (e) {
        release();
        controller.error(
          new ConnectionError(
            "the connection was dropped while the body was being read; try again",
            { method, uri, status: res.status, cause: e },
          ),
        );
      }
    },
    async cancel(reason) {
      release();
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return {
    status: res.status,
    headers: res.headers,
    body,
    text: () => new Response(body).text(),
    discard: () => body.cancel(),
  };
}
