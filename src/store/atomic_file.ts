/**
 * Crash-safe file writes: temp file, fsync, rename, fsync of the folder.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { StoreError } from "../errors.ts";

/**
 * Prefix of temporary files, which sit next to their target under a short
 * name of their own (`.tmp-<uuid>`), so a target name of up to 255 bytes can
 * still be written. Leftovers are removed when a store opens.
 */
export const TEMP_PREFIX = ".tmp-";

/** Suffix of the temporary files of earlier versions (`<target>.<uuid>.tmp`). */
const LEGACY_TEMP_SUFFIX = ".tmp";

/**
 * OS error codes that come from the name or size of what is written, not from
 * the state of the disk: retrying cannot help, the request must be refused.
 */
const REQUEST_DEPENDENT_CODES = new Set(["ENAMETOOLONG", "EILSEQ", "EINVAL", "EFBIG"]);

/** fsync a directory so that a rename or unlink in it is durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/**
 * Write `data` to `path` so that after a crash the file holds either its old
 * content or all of the new one, never a part.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const temp = join(dirname(path), `${TEMP_PREFIX}${crypto.randomUUID()}`);
  try {
    const file = await Deno.open(temp, { write: true, createNew: true });
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
    await syncDir(dirname(path));
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw new StoreError(`cannot write ${path}: ${describe(error)}`, { cause: error });
  }
}

/** Remove a file durably; a file that is already gone is not an error. */
export async function removeFile(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new StoreError(`cannot remove ${path}: ${describe(error)}`, { cause: error });
  }
  await syncDir(dirname(path));
}

/** Remove leftover temporary files of interrupted writes in `dir`. */
export async function removeTempFiles(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    if (entry.name.startsWith(TEMP_PREFIX) || entry.name.endsWith(LEGACY_TEMP_SUFFIX)) {
      await Deno.remove(join(dir, entry.name)).catch(() => {});
    }
  }
}

/** Read and parse a JSON file; `undefined` when it does not exist. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new StoreError(`cannot read ${path}: ${describe(error)}`, { cause: error });
  }
}

/**
 * True when a {@linkcode StoreError} was caused by the name or size of what
 * was written (`ENAMETOOLONG`, `EILSEQ`, `EINVAL`, `EFBIG`): the same request
 * would fail again, so it is a bad request rather than a store to wait for.
 * A full disk or a permission problem is not request dependent.
 */
export function isRequestDependent(error: unknown): boolean {
  if (!(error instanceof StoreError)) return false;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && REQUEST_DEPENDENT_CODES.has(code);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
