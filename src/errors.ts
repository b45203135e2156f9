/**
 * The few named error classes of plastrond. Each message tells a librarian or
 * an operator what went wrong and what to do about it.
 *
 * @module
 */

/** A configuration file is missing, unreadable or has a wrong key or value. */
export class ConfigError extends Error {
  override name = "ConfigError";
  /** The file the mistake is in. */
  readonly file: string;
  /** The dotted key path of the mistake, e.g. `MESSAGE_BROKER.SERVER`, when known. */
  readonly key?: string;
  constructor(file: string, message: string, key?: string) {
    super(key ? `${file}: ${key}: ${message}` : `${file}: ${message}`);
    this.file = file;
    this.key = key;
  }
}

/** The command line was used wrongly (exit code 2). */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A job request cannot be run as sent: missing header, unknown command, bad
 * argument, body too large or not UTF-8. Gives an `Error` completion.
 */
export class BadRequestError extends Error {
  override name = "BadRequestError";
}

/** A job ran but its outcome as a whole is a failure (`Failed` completion). */
export class JobFailedError extends Error {
  override name = "JobFailedError";
  /** The result body to send with the completion. */
  readonly result: Record<string, unknown>;
  /** The finer `PlastronJobState`, e.g. `validate_failed`. */
  readonly state: string;
  constructor(message: string, state: string, result: Record<string, unknown> = {}) {
    super(message);
    this.state = state;
    this.result = result;
  }
}

/** The message store cannot be used (locked by another daemon, disk full, unwritable). */
export class StoreError extends Error {
  override name = "StoreError";
}
