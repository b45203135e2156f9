/**
 * Repository transactions, in both styles Fedora has used:
 *
 * - Fedora 6: `POST <endpoint>/fcr:tx` → `Location: <endpoint>/fcr:tx/<id>`;
 *   each request carries `Atomic-ID: <location>`; keep-alive `POST
 *   <location>`; commit `PUT <location>`; rollback `DELETE <location>`.
 * - Fedora 4/5: `POST <endpoint>/fcr:tx` → `Location: <endpoint>/tx:<id>`;
 *   requests go under that prefix and URIs coming back have it stripped;
 *   keep-alive `POST <tx>/fcr:tx`; commit `POST <tx>/fcr:tx/fcr:commit`;
 *   rollback `POST <tx>/fcr:tx/fcr:rollback`.
 *
 * The style is detected from the `Location` the server answers with. The
 * transaction is kept alive well inside the server's timeout; when a
 * keep-alive fails the transaction is marked failed at once and requests in
 * flight are aborted. Once a commit or rollback has begun, a keep-alive's
 * failure no longer counts (the commit's answer decides), and a commit waits
 * for a keep-alive still in flight.
 *
 * @module
 */
import { CommitOutcomeUnknownError, ConnectionError, TransactionError } from "./errors.ts";
import type { HttpCore } from "./http.ts";

/** The two transaction protocols. */
export type TransactionStyle = "fedora6" | "fedora4";

/** The states a transaction goes through. */
export type TransactionState = "open" | "committed" | "rolled-back" | "failed";

/** Fedora's default transaction timeout (3 minutes), used when the server does not say. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 180_000;

/** Options of {@link Transaction.begin}. */
export interface TransactionOptions {
  /** Keep-alive interval in ms; default a third of the server's timeout (at most 60 s). */
  keepAliveMs?: number;
  /** Called once when the transaction fails (e.g. keep-alive refused). */
  onFailure?: (error: TransactionError) => void;
}

/** Detects the transaction style from the `Location` of a new transaction. */
export function detectTransactionStyle(location: string): TransactionStyle | undefined {
  if (/\/fcr:tx\/[^/]+\/?$/.test(location)) return "fedora6";
  if (/\/tx:[^/]+\/?$/.test(location)) return "fedora4";
  return undefined;
}

/** The transaction's expiry: `Atomic-Expires`, or `Expires` as Fedora 6.0–6.x before it sends. */
function parseExpires(headers: Headers): Date | undefined {
  const t = Date.parse(headers.get("Atomic-Expires") ?? headers.get("Expires") ?? "");
  return Number.isFinite(t) ? new Date(t) : undefined;
}

/** An open repository transaction. */
export class Transaction {
  /** The transaction's URI (`Location` of its creation). */
  readonly location: string;
  /** Which protocol it speaks. */
  readonly style: TransactionStyle;
  readonly #endpoint: string;
  readonly #http: HttpCore;
  readonly #abort = new AbortController();
  #state: TransactionState = "open";
  #failure?: TransactionError;
  #timer?: ReturnType<typeof setInterval>;
  /** Set when commit or rollback begins: keep-alives stop counting from then on. */
  #settling = false;
  #keepAliveInFlight?: Promise<void>;
  #keepAlives = 0;
  #expiresAt?: Date;
  #onFailure?: (error: TransactionError) => void;

  private constructor(
    http: HttpCore,
    endpoint: string,
    location: string,
    style: TransactionStyle,
  ) {
    this.#http = http;
    this.#endpoint = endpoint;
    this.location = location.replace(/\/$/, "");
    this.style = style;
  }

  /** Starts a transaction at `endpoint` and its keep-alive timer. */
  static async begin(
    http: HttpCore,
    endpoint: string,
    options: TransactionOptions = {},
  ): Promise<Transaction> {
    const url = `${endpoint}/fcr:tx`;
    const res = await http.send({ method: "POST", url, retryable: false }).catch((e) => {
      throw new TransactionError("a transaction cannot be started", {
        method: "POST",
        uri: url,
        status: e.status,
        serverMessage: e.serverMessage,
        cause: e,
      });
    });
    await res.discard();
    const location = res.headers.get("Location");
    const style = location ? detectTransactionStyle(location) : undefined;
    if (!location || !style) {
      throw new TransactionError(
        `the repository answered without a transaction Location (got ${
          location ?? "none"
        }); is this a Fedora 4, 5 or 6 repository?`,
        { method: "POST", uri: url, status: res.status },
      );
    }
    const tx = new Transaction(http, endpoint, location, style);
    tx.#onFailure = options.onFailure;
    tx.#expiresAt = parseExpires(res.headers);
    const timeout = tx.#expiresAt
      ? Math.max(3000, tx.#expiresAt.getTime() - Date.now())
      : DEFAULT_TRANSACTION_TIMEOUT_MS;
    const interval = options.keepAliveMs ?? Math.min(60_000, Math.floor(timeout / 3));
    tx.#timer = setInterval(() => {
      tx.keepAlive().catch(() => {/* recorded as the failure */});
    }, interval);
    return tx;
  }

  /** The current state. */
  get state(): TransactionState {
    return this.#state;
  }

  /** When the server will discard the transaction, if it said (Fedora 6 `Atomic-Expires`). */
  get expiresAt(): Date | undefined {
    return this.#expiresAt;
  }

  /** How many keep-alives succeeded. */
  get keepAlives(): number {
    return this.#keepAlives;
  }

  /** Aborted when the transaction fails; pass it to long work done inside it. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Throws the reason when the transaction can no longer be used. */
  assertOpen(method: string, uri: string): void {
    if (this.#failure) throw this.#failure;
    if (this.#state !== "open") {
      throw new TransactionError(`the transaction ${this.location} is already ${this.#state}`, {
        method,
        uri,
      });
    }
  }

  /** Headers each request in the transaction carries. */
  headers(): Record<string, string> {
    return this.style === "fedora6" ? { "Atomic-ID": this.location } : {};
  }

  /** The URI to send a request to (Fedora 4: under the `tx:` prefix). */
  toRequestUri(uri: string): string {
    if (
      this.style === "fedora4" && (uri === this.#endpoint || uri.startsWith(this.#endpoint + "/"))
    ) {
      return this.location + uri.slice(this.#endpoint.length);
    }
    return uri;
  }

  /** A URI coming back from the server, without the Fedora 4 `tx:` prefix. */
  fromResponseUri(uri: string): string {
    if (
      this.style === "fedora4" && (uri === this.location || uri.startsWith(this.location + "/"))
    ) {
      return this.#endpoint + uri.slice(this.location.length);
    }
    return uri;
  }

  #controlUrl(action: "keep-alive" | "commit" | "rollback"): { method: string; url: string } {
    if (this.style === "fedora6") {
      return {
        method: action === "keep-alive" ? "POST" : action === "commit" ? "PUT" : "DELETE",
        url: this.location,
      };
    }
    const base = `${this.location}/fcr:tx`;
    return {
      method: "POST",
      url: action === "keep-alive"
        ? base
        : action === "commit"
        ? `${base}/fcr:commit`
        : `${base}/fcr:rollback`,
    };
  }

  #fail(error: TransactionError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#state = "failed";
    this.#stopTimer();
    this.#abort.abort(error);
    this.#onFailure?.(error);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Extends the transaction's life; a failure fails the transaction at once
   * (unless a commit or rollback has begun meanwhile: then it is ignored).
   * A keep-alive already in flight is joined rather than sent twice.
   */
  keepAlive(): Promise<void> {
    if (this.#state !== "open" || this.#settling) return Promise.resolve();
    if (this.#keepAliveInFlight) return this.#keepAliveInFlight;
    const sent = this.#sendKeepAlive().finally(() => {
      if (this.#keepAliveInFlight === sent) this.#keepAliveInFlight = undefined;
    });
    this.#keepAliveInFlight = sent;
    return sent;
  }

  async #sendKeepAlive(): Promise<void> {
    const { method, url } = this.#controlUrl("keep-alive");
    try {
      const res = await this.#http.send({ method, url, retryable: true });
      await res.discard();
      this.#expiresAt = parseExpires(res.headers) ?? this.#expiresAt;
      this.#keepAlives++;
    } catch (e) {
      // A commit or rollback that began meanwhile decides the outcome, not this answer.
      if (this.#settling || this.#state !== "open") return;
      const err = e as TransactionError;
      this.#fail(
        new TransactionError(
          "the transaction could not be kept alive, so its work is abandoned; try the job again",
          { method, uri: url, status: err.status, serverMessage: err.serverMessage, cause: e },
        ),
      );
      throw this.#failure;
    }
  }

  /**
   * Commits (after any keep-alive still in flight has answered). On failure
   * the transaction is failed (and the caller rolls back); when the
   * connection broke before the repository answered, the error is a
   * {@link CommitOutcomeUnknownError}: the work may have been saved.
   */
  async commit(): Promise<void> {
    this.assertOpen("COMMIT", this.location);
    this.#settling = true;
    this.#stopTimer();
    await this.#keepAliveInFlight?.catch(() => {/* ignored once settling */});
    const { method, url } = this.#controlUrl("commit");
    try {
      const res = await this.#http.send({ method, url, retryable: false });
      await res.discard();
      this.#state = "committed";
    } catch (e) {
      const err = e as TransactionError;
      const details = {
        method,
        uri: url,
        status: err.status,
        serverMessage: err.serverMessage,
        cause: e,
      };
      this.#fail(
        e instanceof ConnectionError || err.status === 502 || err.status === 504
          ? new CommitOutcomeUnknownError(
            "the answer to the commit was lost, so whether the transaction's work was saved is unknown; check in the repository whether the resources it wrote exist before writing them again",
            details,
          )
          : err.status === 404 || err.status === 410
          // The transaction is gone: it timed out (nothing saved), or the
          // commit was sent twice by the HTTP stack after a lost answer and
          // the first one went through.
          ? new CommitOutcomeUnknownError(
            "the repository no longer knows the transaction (it timed out, or an earlier attempt of this commit went through); check in the repository whether the resources it wrote exist before writing them again",
            details,
          )
          : new TransactionError(
            "the transaction could not be committed; nothing was saved",
            details,
          ),
      );
      throw this.#failure;
    }
  }

  /**
   * Rolls back (also after a failure, to release the server's side).
   * A transaction already gone on the server (404/410) counts as rolled back.
   */
  async rollback(): Promise<void> {
    this.#settling = true;
    this.#stopTimer();
    if (this.#state === "committed" || this.#state === "rolled-back") return;
    if (!this.#abort.signal.aborted) {
      this.#abort.abort(
        new TransactionError("the transaction was rolled back", {
          method: "ROLLBACK",
          uri: this.location,
        }),
      );
    }
    const { method, url } = this.#controlUrl("rollback");
    try {
      const res = await this.#http.send({
        method,
        url,
        retryable: true,
        acceptStatus: [404, 410],
      });
      await res.discard();
    } catch (e) {
      const err = e as TransactionError;
      throw new TransactionError(
        "the transaction could not be rolled back; the repository discards it when it times out",
        { method, uri: url, status: err.status, serverMessage: err.serverMessage, cause: e },
      );
    } finally {
      if (this.#state === "open") this.#state = "rolled-back";
    }
  }
}
