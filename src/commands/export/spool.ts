/**
 * Download a binary to a temporary file and check it (length against
 * `Content-Length`, and the digest stored in its description) before it may
 * go into a bag, so a download that breaks midway never leaves a partial
 * file in the archive. Memory stays flat: the bytes stream to disk.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { BinaryReader, StoredDigest } from "./binary_reader.ts";
import type { MemoryPacer } from "./memory.ts";

/** A verified local copy of a binary. */
export interface SpooledBinary {
  uri: string;
  path: string;
  size: number;
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
 * @param expected the digest stored in the repository, checked when given.
 * @throws {BinaryDownloadError} when the bytes are short, broken off or differ from the digest.
 * @throws the repository client's errors when the request fails.
 */
export async function spoolBinary(
  reader: BinaryReader,
  uri: string,
  path: string,
  expected?: StoredDigest,
  signal?: AbortSignal,
  pacer?: MemoryPacer,
): Promise<SpooledBinary> {
  const download = await reader.get(uri, signal);
  const hash = expected ? createHash(expected.algorithm) : undefined;
  let size = 0;
  const file = await Deno.open(path, { write: true, createNew: true });
  try {
    await download.body
      .pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            signal?.throwIfAborted();
            hash?.update(chunk);
            size += chunk.byteLength;
            controller.enqueue(chunk);
            pacer?.add(chunk.byteLength);
          },
        }),
      )
      .pipeTo(file.writable);
  } catch (error) {
    signal?.throwIfAborted();
    const reason = error instanceof Error ? error.message : String(error);
    throw new BinaryDownloadError(
      `download of ${uri} broke after ${size} bytes: ${reason}`,
      { cause: error },
    );
  }
  if (download.contentLength !== undefined && download.contentLength !== size) {
    throw new BinaryDownloadError(
      `download of ${uri} is incomplete: got ${size} of ${download.contentLength} bytes`,
    );
  }
  if (hash && expected) {
    const actual = hash.digest("hex");
    if (actual !== expected.hex) {
      throw new BinaryDownloadError(
        `download of ${uri} does not match the ${expected.algorithm} digest stored in the ` +
          "repository; the transfer was corrupted, export it again",
      );
    }
  }
  return { uri, path, size, lastModified: download.lastModified };
}
