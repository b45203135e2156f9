/**
 * Download a binary to a temporary file and check it (length against
 * `Content-Length`, SHA-256 against the repository's `Digest`) before it may
 * go into a bag, so a download that breaks midway never leaves a partial
 * file in the archive. Memory stays flat: the bytes stream to disk.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { RepositoryClient } from "../../repository/client.ts";

/** A verified local copy of a binary. */
export interface SpooledBinary {
  uri: string;
  path: string;
  size: number;
  sha256: string;
  /** From `Last-Modified`, when the repository sent one. */
  lastModified?: Date;
}

/** A download that is incomplete or does not match its digest. */
export class BinaryDownloadError extends Error {
  override name = "BinaryDownloadError";
}

/**
 * Download `uri` into `path` (created, must not exist).
 *
 * @throws {BinaryDownloadError} when the bytes are short or their digest differs.
 * @throws the repository client's errors when the request or the stream fails.
 */
export async function spoolBinary(
  repo: RepositoryClient,
  uri: string,
  path: string,
  signal?: AbortSignal,
): Promise<SpooledBinary> {
  const download = await repo.getBinary(uri);
  const hash = createHash("sha256");
  let size = 0;
  const file = await Deno.open(path, { write: true, createNew: true });
  try {
    await download.body
      .pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            signal?.throwIfAborted();
            hash.update(chunk);
            size += chunk.byteLength;
            controller.enqueue(chunk);
          },
        }),
      )
      .pipeTo(file.writable);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BinaryDownloadError(
      `download of ${uri} broke after ${size} bytes: ${reason}`,
      { cause: error },
    );
  }
  const sha256 = hash.digest("hex");
  if (download.contentLength !== undefined && download.contentLength !== size) {
    throw new BinaryDownloadError(
      `download of ${uri} is incomplete: got ${size} of ${download.contentLength} bytes`,
    );
  }
  if (download.sha256 && download.sha256 !== sha256) {
    throw new BinaryDownloadError(
      `download of ${uri} does not match the repository's SHA-256 (${download.sha256}); ` +
        "the transfer was corrupted, export it again",
    );
  }
  const lastModified = download.lastModified ? new Date(download.lastModified) : undefined;
  return {
    uri,
    path,
    size,
    sha256,
    lastModified: lastModified && !Number.isNaN(lastModified.getTime()) ? lastModified : undefined,
  };
}
