/**
 * A local file as export destination, confined to `COMMANDS.EXPORT.OUTPUT_ROOT`
 * when one is configured: `..`, absolute paths elsewhere and symlinks that
 * lead out of the root are refused.
 *
 * @module
 */
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { BadRequestError } from "../errors.ts";
import { baseNameWithoutExtension, type ExportDestination, partName } from "./destination.ts";

/**
 * Check a local `output-dest` and return the absolute path the archive will
 * be written to. Missing parent folders inside the root are allowed (they are
 * created on open).
 *
 * @param dest the `output-dest` argument as sent.
 * @param outputRoot `COMMANDS.EXPORT.OUTPUT_ROOT`, when set.
 * @throws {BadRequestError} when the path is unsafe or outside the root.
 */
export async function resolveLocalExportPath(dest: string, outputRoot?: string): Promise<string> {
  if (dest.trim() === "" || dest.includes("\0")) {
    throw new BadRequestError("output-dest is empty; send a file name such as my-export.zip");
  }
  if (dest.split(/[/\\]/).includes("..")) {
    throw new BadRequestError(
      `output-dest ${JSON.stringify(dest)} contains "..", which is not allowed; ` +
        "give a path inside the export folder without ..",
    );
  }
  let path: string;
  if (outputRoot !== undefined) {
    const root = resolve(outputRoot);
    let realRoot: string;
    try {
      realRoot = await Deno.realPath(root);
    } catch {
      throw new BadRequestError(
        `the export folder COMMANDS.EXPORT.OUTPUT_ROOT (${root}) does not exist; ` +
          "ask the operator to create it",
      );
    }
    path = isAbsolute(dest) ? resolve(dest) : resolve(root, dest);
    if (!isInside(path, root) && !isInside(path, realRoot)) {
      throw new BadRequestError(
        `output-dest ${JSON.stringify(dest)} is outside the export folder; ` +
          "give a path relative to the export folder",
      );
    }
    const existing = await deepestExistingAncestor(dirname(path));
    const realExisting = await Deno.realPath(existing);
    if (!isInside(realExisting, realRoot)) {
      throw new BadRequestError(
        `output-dest ${JSON.stringify(dest)} leads out of the export folder through a ` +
          "symbolic link; choose a path inside the export folder",
      );
    }
    path = join(realExisting, relative(existing, path));
  } else {
    path = resolve(dest);
  }
  const stat = await Deno.lstat(path).catch(() => undefined);
  if (stat?.isSymlink) {
    throw new BadRequestError(
      `output-dest ${JSON.stringify(dest)} is a symbolic link; give a plain file name`,
    );
  }
  if (stat?.isDirectory) {
    throw new BadRequestError(
      `output-dest ${JSON.stringify(dest)} is a folder; give a file name such as ` +
        `${JSON.stringify(join(dest, "export.zip"))}`,
    );
  }
  if (baseNameWithoutExtension(path) === "") {
    throw new BadRequestError(`output-dest ${JSON.stringify(dest)} has no file name`);
  }
  return path;
}

/**
 * Open a local export destination at a path already checked by
 * {@linkcode resolveLocalExportPath}.
 */
export async function openLocalDestination(path: string): Promise<ExportDestination> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const part = partName(path);
  const file = await Deno.open(part, { write: true, createNew: true, mode: 0o644 });
  let committed = false;
  return {
    name: baseNameWithoutExtension(path),
    location: path,
    writable: file.writable,
    async commit() {
      await Deno.rename(part, path);
      committed = true;
    },
    async discard() {
      if (committed) return;
      try {
        file.close();
      } catch {
        // already closed by the stream
      }
      await Deno.remove(part).catch(() => {});
    },
  };
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

async function deepestExistingAncestor(path: string): Promise<string> {
  let current = path;
  while (true) {
    const stat = await Deno.lstat(current).catch(() => undefined);
    if (stat) return current;
    const parent = dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}
