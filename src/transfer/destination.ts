/**
 * Where an export's bytes go. A destination hands out a byte stream; the
 * archive is written to a temporary name next to the target and only moved
 * into place by {@linkcode ExportDestination.commit}, so a failed export
 * never leaves a half-written file under the name a librarian asked for.
 *
 * @module
 */

/** An open destination for one archive. */
export interface ExportDestination {
  /** The target's base name without its extension (the bag's root folder). */
  readonly name: string;
  /** Where the archive goes, safe for logs and messages (no password). */
  readonly location: string;
  /** The archive's bytes; closing it finishes the upload or the file. */
  readonly writable: WritableStream<Uint8Array>;
  /** After `writable` was closed: move the archive to its final name. */
  commit(): Promise<void>;
  /** Throw away what was written (after an abort or a failure); never throws. */
  discard(): Promise<void>;
}

/** The base name of a path without its last extension (`/a/b/my-bag.zip` → `my-bag`). */
export function baseNameWithoutExtension(path: string): string {
  const base = path.split("/").pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** A unique temporary name beside `path` for the archive while it is written. */
export function partName(path: string): string {
  const suffix = crypto.randomUUID().slice(0, 8);
  return `${path}.part-${suffix}`;
}
