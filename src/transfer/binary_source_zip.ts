/**
 * A zip file as binaries location (`zip:<path>`): entries are read with
 * random access from the file, never loaded whole.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type Entry, type FileEntry, Reader, ZipReader } from "@zip.js/zip.js";
import { unsafePathReason } from "../csv/files.ts";
import {
  assertSafePath,
  BinaryNotFoundError,
  type BinarySource,
  lazyStream,
  mimeTypeFor,
  type SourceBinary,
} from "./binary_source.ts";

/** Random-access reads from a `Deno.FsFile`, serialised (zip.js reads ranges concurrently). */
class FsFileReader extends Reader<Deno.FsFile> {
  #file: Deno.FsFile;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(file: Deno.FsFile) {
    super(file);
    this.#file = file;
  }

  override async init(): Promise<void> {
    this.size = (await this.#file.stat()).size;
  }

  override readUint8Array(offset: number, length: number): Promise<Uint8Array> {
    const result = this.#queue.then(async () => {
      await this.#file.seek(offset, Deno.SeekMode.Start);
      const data = new Uint8Array(length);
      let read = 0;
      while (read < length) {
        const n = await this.#file.read(data.subarray(read));
        if (n === null) return data.subarray(0, read);
        read += n;
      }
      return data;
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

/** A zip archive on the local disk as binaries location. */
export class ZipSource implements BinarySource {
  readonly location: string;
  #file: Deno.FsFile;
  #reader: ZipReader<Deno.FsFile>;
  #entries: Map<string, FileEntry>;
  #onClose?: () => Promise<void>;

  private constructor(
    location: string,
    file: Deno.FsFile,
    reader: ZipReader<Deno.FsFile>,
    entries: Map<string, FileEntry>,
    onClose?: () => Promise<void>,
  ) {
    this.location = location;
    this.#file = file;
    this.#reader = reader;
    this.#entries = entries;
    this.#onClose = onClose;
  }

  /**
   * Opens the zip at `path`; `location` is what messages call it;
   * `onClose` runs after closing (e.g. to remove a downloaded copy).
   */
  static async open(
    path: string,
    location = `zip:${path}`,
    onClose?: () => Promise<void>,
  ): Promise<ZipSource> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path);
    } catch (error) {
      throw new BinaryNotFoundError(
        `binaries-location ${location}: cannot open the zip (${(error as Error).message})`,
      );
    }
    const reader = new ZipReader(new FsFileReader(file), { useWebWorkers: false });
    let entries: Entry[];
    try {
      entries = await reader.getEntries();
    } catch (error) {
      file.close();
      throw new BinaryNotFoundError(
        `binaries-location ${location} is not a readable zip (${(error as Error).message})`,
      );
    }
    const files = new Map<string, FileEntry>();
    for (const entry of entries) {
      if (!entry.directory) files.set(entry.filename.replace(/^\.\//, ""), entry as FileEntry);
    }
    return new ZipSource(location, file, reader, files, onClose);
  }

  exists(path: string): Promise<boolean> {
    return Promise.resolve(!unsafePathReason(path) && this.#entries.has(path));
  }

  async get(path: string): Promise<SourceBinary> {
    assertSafePath(path);
    const entry = this.#entries.get(path);
    if (!entry) throw new BinaryNotFoundError(`file ${path} is not in ${this.location}`);
    const body = () =>
      lazyStream(() => {
        const pipe = new TransformStream<Uint8Array, Uint8Array>();
        entry.getData(pipe.writable).catch(
          () => {/* the error reaches the reader of pipe.readable */},
        );
        return Promise.resolve(pipe.readable);
      });
    // hashed first (a local read), so the upload can send its Digest
    const hash = createHash("sha256");
    for await (const chunk of body()) hash.update(chunk);
    return {
      path,
      size: entry.uncompressedSize,
      sha256: hash.digest("hex"),
      contentType: mimeTypeFor(path),
      body,
    };
  }

  async close(): Promise<void> {
    await this.#reader.close().catch(() => {});
    try {
      this.#file.close();
    } catch {
      // already closed
    }
    await this.#onClose?.();
  }
}
