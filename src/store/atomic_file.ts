/**
 * Crash-safe file writes: temp file, fsync, rename, fsync of the folder.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { StoreError } from "../errors.ts";

/** Suffix of temporary files; leftovers are removed when a store opens. */
export const TEMP_SUFFIX = ".tmp";

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
  const temp = `${path}.${crypto.randomUUID()}${TEMP_SUFFIX}`;
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
    if (entry.isFile && entry.name.endsWith(TEMP_SUFFIX)) {
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
