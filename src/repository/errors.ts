/**
 * The error classes of the repository client. Each carries the HTTP method,
 * the URI, the status (when the server answered) and the server's message,
 * and says what an operator or librarian can do about it.
 *
 * @module
 */

/** What a {@link RepositoryError} knows about the failed request. */
export interface RepositoryErrorDetails {
  /** HTTP method of the failed request. */
  method: string;
  /** URI of the resource (without any Fedora 4 transaction prefix). */
  uri: string;
  /** HTTP status, when the server answered. */
  status?: number;
  /** The server's own message (response body, trimmed and shortened). */
  serverMessage?: string;
  /** The underlying error, e.g. a network error. */
  cause?: unknown;
}

/** Any failure of a repository request. */
export class RepositoryError extends Error {
  override name = "RepositoryError";
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URI of the resource. */
  readonly uri: string;
  /** HTTP status, when the server answered. */
  readonly status?: number;
  /** The server's own message, when it gave one. */
  readonly serverMessage?: string;

  constructor(message: string, details: RepositoryErrorDetails) {
    const where = `${details.method} ${details.uri}`;
    const status = details.status ? ` (HTTP ${details.status})` : "";
    const server = details.serverMessage ? `; the repository said: ${details.serverMessage}` : "";
    super(`${where}${status}: ${message}${server}`, { cause: details.cause });
    this.method = details.method;
    this.uri = details.uri;
    this.status = details.status;
    this.serverMessage = details.serverMessage;
  }
}

/** 404: the resource does not exist. */
export class NotFoundError extends RepositoryError {
  override name = "NotFoundError";
}

/** 410: the resource was deleted and a tombstone is left in its place. */
export class GoneError extends RepositoryError {
  override name = "GoneError";
}

/** 401/403: the credentials were refused or do not allow this. */
export class AuthenticationError extends RepositoryError {
  override name = "AuthenticationError";
}

/** The repository could not be reached, or the connection broke (refused, reset, dropped mid-body, timed out). */
export class ConnectionError extends RepositoryError {
  override name = "ConnectionError";
}

/** A transaction could not be started, kept alive, committed or rolled back, or has already failed. */
export class TransactionError extends RepositoryError {
  override name = "TransactionError";
}

/**
 * The connection broke (or a gateway gave up) while a commit was in flight:
 * the repository may or may not have saved the transaction's work.
 */
export class CommitOutcomeUnknownError extends TransactionError {
  override name = "CommitOutcomeUnknownError";
}

/** A binary's bytes do not match the digest that was sent or that the repository reports. */
export class DigestMismatchError extends RepositoryError {
  override name = "DigestMismatchError";
}

/** Shortens a server message for an error text. */
export function shortServerMessage(body: string, limit = 500): string | undefined {
  const text = body.replace(/\s+/g, " ").trim();
  if (!text) return undefined;
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** Makes the right error class for an HTTP error status. */
export function errorForStatus(
  method: string,
  uri: string,
  status: number,
  body: string,
): RepositoryError {
  const details = { method, uri, status, serverMessage: shortServerMessage(body) };
  switch (status) {
    case 401:
      return new AuthenticationError(
        "the repository refused the credentials; check FEDORA_USER/FEDORA_PASSWORD, AUTH_TOKEN or JWT_SECRET in the REPOSITORY configuration",
        details,
      );
    case 403:
      return new AuthenticationError(
        "the configured user is not allowed to do this; ask the repository administrator for access",
        details,
      );
    case 404:
      return new NotFoundError("no such resource in the repository; check the URI", details);
    case 410:
      return new GoneError(
        "the resource was deleted (a tombstone is in its place); use another URI or purge the tombstone",
        details,
      );
    default:
      if (status >= 500) {
        return new RepositoryError(
          "the repository failed to answer; try again later or ask its administrator to check its log",
          details,
        );
      }
      return new RepositoryError("the repository refused the request", details);
  }
}
