/**
 * Where import binaries come from (`PlastronArg-binaries-location`): a local
 * directory, `zip:<path>`, `sftp://user@host/dir` or
 * `zip+sftp://user@host/path.zip`. A source answers whether a `FILES` path
 * exists and streams its bytes; paths that would escape the location are
 * refused.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { unsafePathReason } from "../csv/files.ts";

/** One binary found at the location. */
export interface SourceBinary {
  /** The path as written in `FILES`. */
  path: string;
  /** A new stream of the bytes on each call (so an upload can be retried). */
  body: () => ReadableStream<Uint8Array>;
  /** Size in bytes, when known. */
  size?: number;
  /** SHA-256 (hex), when known before sending (local files are hashed first). */
  sha256?: string;
  /** MIME type from the file name. */
  contentType: string;
}

/** A binaries location. */
export interface BinarySource {
  /** The location for messages (no password). */
  readonly location: string;
  /** Whether `path` names a file there (false for unsafe paths). */
  exists(path: string): Promise<boolean>;
  /** The binary at `path`; throws a message naming the path when it is missing. */
  get(path: string): Promise<SourceBinary>;
  /** Releases connections and temporary files. */
  close(): Promise<void>;
}

/** A path that is missing or not allowed under the binaries location. */
export class BinaryNotFoundError extends Error {
  override name = "BinaryNotFoundError";
}

const MIME_TYPES: Record<string, string> = {
  tif: "image/tiff",
  tiff: "image/tiff",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jp2: "image/jp2",
  gif: "image/gif",
  pdf: "application/pdf",
  txt: "text/plain",
  xml: "application/xml",
  html: "text/html",
  hocr: "text/html",
  json: "application/json",
  csv: "text/csv",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  mp4: "video/mp4",
  zip: "application/zip",
};

/** The MIME type for a file name, from its extension (`application/octet-stream` if unknown). */
export function mimeTypeFor(path: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? "";
  return MIME_TYPES[ext] ?? "application/octet-stream";
}

/** Throws when `path` may not be used under a binaries location. */
export function assertSafePath(path: string): void {
  const reason = unsafePathReason(path);
  if (reason) {
    throw new BinaryNotFoundError(
      `file ${path} ${reason}; it must stay inside the binaries location`,
    );
  }
}

/** A stream that opens its source only when first read. */
export function lazyStream(
  open: () => Promise<ReadableStream<Uint8Array>>,
): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      reader ??= (await open()).getReader();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}

/** Hashes a file with SHA-256 (streamed). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  using handle = await Deno.open(file);
  for await (const chunk of handle.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** A local directory as binaries location. */
export class DirectorySource implements BinarySource {
  readonly location: string;
  #root: string;

  private constructor(location: string, root: string) {
    this.location = location;
    this.#root = root;
  }

  /** Opens `dir` (it must exist and be a directory). */
  static async open(dir: string): Promise<DirectorySource> {
    let root: string;
    try {
      root = await realpath(resolve(dir));
      if (!(await Deno.stat(root)).isDirectory) throw new Error("not a directory");
    } catch (error) {
      throw new BinaryNotFoundError(
        `binaries-location ${dir} is not a readable directory (${(error as Error).message})`,
      );
    }
    return new DirectorySource(dir, root);
  }

  async #resolve(path: string): Promise<string | undefined> {
    if (unsafePathReason(path)) return undefined;
    try {
      const real = await realpath(join(this.#root, path));
      if (!real.startsWith(this.#root + sep)) return undefined; // a symlink pointing outside
      return (await Deno.stat(real)).isFile ? real : undefined;
    } catch {
      return undefined;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.#resolve(path)) !== undefined;
  }

  async get(path: string): Promise<SourceBinary> {
    assertSafePath(path);
    const real = await this.#resolve(path);
    if (!real) throw new BinaryNotFoundError(`file ${path} does not exist in ${this.location}`);
    const { size } = await Deno.stat(real);
    return {
      path,
      size,
      sha256: await sha256File(real),
      contentType: mimeTypeFor(path),
      body: () => lazyStream(async () => (await Deno.open(real)).readable),
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
