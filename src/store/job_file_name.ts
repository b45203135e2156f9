/**
 * The one place that turns a job id into a file or folder name.
 *
 * Job ids are usually URIs (`http://archelon.example.edu/import_jobs/17`).
 * The name keeps ASCII letters, digits, `_`, `-` and `.` as they are and
 * percent-encodes every other UTF-8 byte, including `%` itself, so distinct
 * ids always give distinct names (`a/b` → `a%2Fb`, never `a-b`). A leading
 * `.` is encoded too, so a name is never `.`, `..` or hidden. Names longer
 * than {@linkcode MAX_JOB_NAME_BYTES} keep a readable prefix followed by `~`
 * and a SHA-256 of the id (`~` is always encoded elsewhere, so this cannot
 * collide either). The cap leaves {@linkcode JOB_NAME_SUFFIX_BYTES} bytes for
 * a suffix such as `.json`, so a name with its suffix always fits the 255
 * bytes file systems allow.
 *
 * @module
 */
import { createHash } from "node:crypto";

const KEEP = /[A-Za-z0-9_.-]/;
/** Bytes a caller may append to a job's name (e.g. `.json`) and stay within 255. */
export const JOB_NAME_SUFFIX_BYTES = 8;
/** The longest name {@linkcode jobFileName} returns. */
export const MAX_JOB_NAME_BYTES = 255 - JOB_NAME_SUFFIX_BYTES;
const PREFIX_BYTES = 180;

/**
 * Encode a job id as a safe, collision-free file name of at most
 * {@linkcode MAX_JOB_NAME_BYTES} bytes.
 *
 * @example
 * ```ts
 * jobFileName("http://example.edu/jobs/1"); // "http%3A%2F%2Fexample.edu%2Fjobs%2F1"
 * ```
 */
export function jobFileName(jobId: string): string {
  if (jobId.length === 0) throw new RangeError("a job id cannot be empty");
  let name = "";
  const bytes = new TextEncoder().encode(jobId);
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    const char = String.fromCharCode(byte);
    if (byte < 0x80 && KEEP.test(char) && !(i === 0 && char === ".")) {
      name += char;
    } else {
      name += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
    }
  }
  if (name.length <= MAX_JOB_NAME_BYTES) return name;
  let prefix = name.slice(0, PREFIX_BYTES);
  // Do not cut a %XX escape in half.
  const cut = prefix.lastIndexOf("%");
  if (cut > PREFIX_BYTES - 3) prefix = prefix.slice(0, cut);
  const hash = createHash("sha256").update(jobId).digest("hex");
  return `${prefix}~${hash}`;
}
