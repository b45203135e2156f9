/**
 * Keeping secrets out of logs: a process-wide registry of secret values
 * (passwords, tokens) and functions that replace them, and the passwords of
 * URIs such as `sftp://user:pw@host`, by `***`.
 *
 * @module
 */

/** What a secret is replaced with. */
export const REDACTED = "***";

const secrets = new Set<string>();
let ordered: string[] = [];

/**
 * `scheme://user:password@` — the password part is replaced: everything up
 * to the first `@` of the same word, also `/`, `?` and `#`, which people
 * leave unencoded in passwords (`sftp://ann:pa/ss?w#rd@host`). A port
 * followed by a path with an `@` in it (`http://host:8080/a@b`) is redacted
 * too: better a line too dark than a password in the log.
 */
const URI_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s@]*@/gi;

/**
 * Register a secret value; from now on {@linkcode redact} replaces it (and its
 * URI-encoded and JSON-escaped forms) by `***`. Empty, white-space-only and
 * `undefined` values are ignored.
 *
 * @example
 * ```ts
 * registerSecret("s3cret");
 * redact("login with s3cret"); // "login with ***"
 * ```
 */
export function registerSecret(value: string | undefined): void {
  if (value === undefined || value.trim() === "") return;
  const forms = [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
  for (const form of forms) secrets.add(form);
  // Longest first, so a secret that contains another is replaced whole.
  ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** Forget every registered secret (for tests). */
export function clearSecrets(): void {
  secrets.clear();
  ordered = [];
}

/**
 * Replace every registered secret and every URI password in `text` by `***`.
 *
 * @example
 * ```ts
 * redact("sftp://ann:pw@host/x"); // "sftp://ann:***@host/x"
 * ```
 */
export function redact(text: string): string {
  let out = text.replace(URI_PASSWORD, `$1${REDACTED}@`);
  for (const secret of ordered) {
    if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  }
  return out;
}

/**
 * A copy of `value` with {@linkcode redact} applied to every string in it:
 * strings, arrays, plain objects, `Error`s (message, stack and cause) and
 * `URL`s. Other objects are returned as they are.
 */
export function redactValue(value: unknown): unknown {
  return redactDeep(value, 0, new WeakSet());
}

const MAX_DEPTH = 8;

function redactDeep(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (value instanceof URL) return redact(value.href);
  if (value instanceof Error) {
    const copy = new Error(redact(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redact(value.stack);
    if (value.cause !== undefined) copy.cause = redactDeep(value.cause, depth + 1, seen);
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1, seen));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = redactDeep(item, depth + 1, seen);
  }
  return out;
}
