/**
 * The HTTP layer of the repository client: native `fetch` with the
 * configured auth, `User-Agent`, `On-Behalf-Of`, a bounded connection pool,
 * retries of transient failures, and errors mapped to the typed classes.
 *
 * @module
 */
import { BadRequestError } from "../errors.ts";
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

/**
 * Why `value` cannot be sent as an HTTP header value, or `undefined` when it
 * can: header values carry Latin-1 characters only, without line breaks or
 * other control characters (a tab inside is allowed), and lose leading and
 * trailing blanks.
 */
export function headerValueProblem(value: string): string | undefined {
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code > 0xff) return `it contains ${JSON.stringify(ch)}, which is not a Latin-1 character`;
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) {
      return `it contains the control character U+${code.toString(16).padStart(4, "0")}`;
    }
  }
  if (/^[ \t]|[ \t]$/.test(value)) return "it starts or ends with a blank, which HTTP drops";
  return undefined;
}

/**
 * A network failure as Deno's `fetch` reports it (a `TypeError` with the
 * transport's error as its cause), not a mistake in the request itself.
 */
function isNetworkError(e: unknown): boolean {
  if (e instanceof Error && e.name === "ConnectionError") return true;
  if (!(e instanceof TypeError)) return false;
  const text = `${e.message} ${e.cause instanceof Error ? e.cause.message : String(e.cause ?? "")}`;
  return /fetch failed|error sending request|connect|connection|network|dns|tcp|tls|certificate|reset|closed|broken pipe|eof|timed? ?out|refused|unreachable/i
    .test(text);
}

/**
 * A streamed request body: remembers when the source itself failed (a file
 * that vanished is not a network error), and lets a failed attempt free the
 * source (its file handle) that `fetch` left unread.
 */
class StreamedBody {
  /** Set when reading the source threw. */
  sourceError?: { error: unknown };
  readonly stream: ReadableStream<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(source: ReadableStream<Uint8Array>) {
    this.#reader = source.getReader();
    this.stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await this.#reader.read();
        } catch (error) {
          this.sourceError = { error };
          controller.error(error);
          return;
        }
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      },
      cancel: (reason) => this.#reader.cancel(reason),
    }, { highWaterMark: 0 });
  }

  /** Cancels the source (a no-op once it was read to the end). */
  release(): void {
    this.#reader.cancel().catch(() => {/* already errored */});
  }
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
    if (options.onBehalfOf !== undefined) {
      const problem = headerValueProblem(options.onBehalfOf);
      if (problem) {
        throw new BadRequestError(
          `the user to act on behalf of (${
            JSON.stringify(options.onBehalfOf)
          }) cannot be sent in the On-Behalf-Of header: ${problem}; send the job again with the user's plain login name`,
        );
      }
    }
    this.#onBehalfOf = options.onBehalfOf;
    this.#limiter = new Limiter(options.maxConnections);
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /** Sends a request; throws the typed error for a failure status or a network failure. */
  send(req: HttpRequest): Promise<HttpResponse> {
    const canRetry = req.retryable && !(req.body instanceof ReadableStream);
    // A read is retried on 500 too: Fedora 6 answers concurrent reads of
    // binaries with a passing 500 (IllegalStateException in its header encoder).
    const read = req.method === "GET" || req.method === "HEAD";
    return withRetry(
      () => this.#once(req),
      (e) =>
        canRetry && e instanceof RepositoryError &&
        (e instanceof ConnectionError ||
          (e.status !== undefined && (isTransientStatus(e.status) || (read && e.status === 500)))),
      canRetry ? this.#retry : { ...this.#retry, attempts: 1 },
      req.signal,
    );
  }

  async #once(req: HttpRequest): Promise<HttpResponse> {
    const uri = req.displayUri ?? req.url;
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      const problem = headerValueProblem(value);
      if (problem) {
        throw new RepositoryError(
          `the ${name} header cannot carry ${JSON.stringify(value)}: ${problem}`,
          { method: req.method, uri },
        );
      }
    }
    const headers = new Headers(req.headers);
    headers.set("User-Agent", USER_AGENT);
    if (this.#onBehalfOf) headers.set("On-Behalf-Of", this.#onBehalfOf);
    const authorization = await this.#auth.authorization();
    if (authorization) headers.set("Authorization", authorization);

    const release = await this.#limiter.acquire();
    // The body is opened only once a connection is free (a file handle per waiting request
    // otherwise), and freed again when the attempt fails.
    const source = typeof req.body === "function" ? req.body() : req.body;
    const streamed = source instanceof ReadableStream ? new StreamedBody(source) : undefined;
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(req.url, {
        method: req.method,
        headers,
        body: streamed ? streamed.stream : source as Exclude<BodySource, () => unknown>,
        signal: req.signal,
        client: this.#client,
        redirect: "manual",
      });
      reportRepositoryRequest(req.method, started, res.status);
    } catch (e) {
      reportRepositoryRequest(req.method, started);
      release();
      streamed?.release();
      if (req.signal?.aborted) {
        const reason = req.signal.reason;
        if (reason instanceof RepositoryError) throw reason;
        throw new TransactionError("the request was aborted", {
          method: req.method,
          uri,
          cause: reason,
        });
      }
      // The body's own source failed (e.g. a file that went away): that error, not a network one.
      if (streamed?.sourceError) throw streamed.sourceError.error;
      if (isNetworkError(e)) {
        throw new ConnectionError(describeNetworkError(e), { method: req.method, uri, cause: e });
      }
      throw new RepositoryError(
        `the request could not be sent (${e instanceof Error ? e.message : String(e)})`,
        { method: req.method, uri, cause: e },
      );
    }

    if (!res.ok && !(req.acceptStatus ?? []).includes(res.status) && !(res.status < 400)) {
      // The server answered without reading the whole body: free the rest of it.
      streamed?.release();
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
