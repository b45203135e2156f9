/**
 * A streamed ZIP writer: entries go out as their bytes arrive, each followed
 * by a data descriptor, so nothing is held in memory or seeked back to. Bags
 * bigger than 4 GiB (or with more than 65 534 entries) get ZIP64 records;
 * small ones stay plain ZIP 2.0 so every tool opens them.
 *
 * Entries are stored (method 0) unless `compress` is asked for, which uses
 * raw deflate through the platform's `CompressionStream`.
 *
 * @example
 * ```ts
 * const file = await Deno.create("/tmp/out.zip");
 * const zip = new ZipStreamWriter(file.writable);
 * await zip.add("bag/data/a.txt", new TextEncoder().encode("hello"), { mtime: new Date() });
 * await zip.close();
 * ```
 *
 * @module
 */
import { crc32 } from "node:zlib";

/** How one entry is written. */
export interface ZipEntryOptions {
  /** Modification time stored in the entry (DOS time and the UT extra field). */
  mtime?: Date;
  /** The uncompressed size when known beforehand; decides ZIP64 for the entry. */
  size?: number;
  /** Deflate the entry (good for text); binaries are stored as they are. */
  compress?: boolean;
}

/** What was written for one entry. */
export interface ZipEntryInfo {
  name: string;
  /** Uncompressed size in bytes. */
  size: number;
  /** Bytes the entry occupies in the archive's data area. */
  compressedSize: number;
  crc32: number;
  /** Whether ZIP64 records were used for this entry. */
  zip64: boolean;
}

/** Totals of a finished archive. */
export interface ZipSummary {
  entries: number;
  /** Bytes written to the destination. */
  bytes: number;
  /** Whether the archive needed the ZIP64 end records. */
  zip64: boolean;
}

interface CentralRecord {
  name: Uint8Array;
  flags: number;
  method: number;
  dosTime: number;
  dosDate: number;
  unixTime: number;
  crc: number;
  size: number;
  compressedSize: number;
  offset: number;
  zip64: boolean;
}

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
/** Entries at least this large (or of unknown size) are written as ZIP64. */
const ZIP64_ENTRY_THRESHOLD = 0xfff00000;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const VERSION_ZIP20 = 20;
const VERSION_ZIP64 = 45;
/** Made by Unix (3), spec version 4.5. */
const VERSION_MADE_BY = (3 << 8) | VERSION_ZIP64;
const REGULAR_FILE_MODE = 0o100644;

/** Writes a ZIP archive to a byte stream, one entry after the other. */
export class ZipStreamWriter {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #offset = 0;
  #central: CentralRecord[] = [];
  #names = new Set<string>();
  #busy = false;
  #closed = false;

  /** @param destination where the archive's bytes go; it is closed by {@linkcode close}. */
  constructor(destination: WritableStream<Uint8Array>) {
    this.#writer = destination.getWriter();
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.#offset;
  }

  /** Entries written so far. */
  get entryCount(): number {
    return this.#central.length;
  }

  /**
   * Add one entry whose bytes come from `data`. Entries are written one at a
   * time; call `add` again only after the previous call settled.
   *
   * @throws {TypeError} on a duplicate or unsafe name, or when busy or closed.
   */
  async add(
    name: string,
    data: ReadableStream<Uint8Array> | Uint8Array,
    options: ZipEntryOptions = {},
  ): Promise<ZipEntryInfo> {
    if (this.#closed) throw new TypeError("ZIP archive is already closed");
    if (this.#busy) throw new TypeError("ZIP writer is busy with another entry");
    checkEntryName(name);
    if (this.#names.has(name)) throw new TypeError(`duplicate ZIP entry name: ${name}`);
    this.#busy = true;
    try {
      const known = data instanceof Uint8Array ? data.byteLength : options.size;
      const zip64 = known === undefined || known >= ZIP64_ENTRY_THRESHOLD;
      const method = options.compress ? 8 : 0;
      const mtime = options.mtime ?? new Date();
      const { dosTime, dosDate } = toDosDateTime(mtime);
      const unixTime = clampUnixTime(mtime);
      const encodedName = new TextEncoder().encode(name);
      const flags = FLAG_DATA_DESCRIPTOR | FLAG_UTF8;
      const offset = this.#offset;

      await this.#write(
        localHeader(encodedName, flags, method, dosTime, dosDate, unixTime, zip64),
      );

      let crc = 0;
      let size = 0;
      let compressedSize = 0;
      let source: ReadableStream<Uint8Array> = data instanceof Uint8Array
        ? new Blob([data as Uint8Array<ArrayBuffer>]).stream()
        : data;
      const counter = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          crc = crc32(chunk, crc);
          size += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      source = source.pipeThrough(counter);
      if (method === 8) {
        source = source.pipeThrough(
          new CompressionStream("deflate-raw") as unknown as TransformStream<
            Uint8Array,
            Uint8Array
          >,
        );
      }
      for await (const chunk of source) {
        compressedSize += chunk.byteLength;
        await this.#write(chunk);
      }
      if (!zip64 && (size >= MAX32 || compressedSize >= MAX32)) {
        throw new RangeError(
          `ZIP entry ${name} grew past 4 GiB though it was announced as ${known} bytes`,
        );
      }
      await this.#write(dataDescriptor(crc, compressedSize, size, zip64));
      this.#names.add(name);
      this.#central.push({
        name: encodedName,
        flags,
        method,
        dosTime,
        dosDate,
        unixTime,
        crc,
        size,
        compressedSize,
        offset,
        zip64,
      });
      return { name, size, compressedSize, crc32: crc, zip64 };
    } finally {
      this.#busy = false;
    }
  }

  /** Write the central directory and end records, then close the destination. */
  async close(): Promise<ZipSummary> {
    if (this.#closed) throw new TypeError("ZIP archive is already closed");
    if (this.#busy) throw new TypeError("ZIP writer is busy with another entry");
    this.#closed = true;
    const centralStart = this.#offset;
    for (const record of this.#central) await this.#write(centralHeader(record));
    const centralSize = this.#offset - centralStart;
    const count = this.#central.length;
    const zip64 = count >= MAX16 || centralStart >= MAX32 || centralSize >= MAX32 ||
      this.#central.some((r) => r.zip64 && r.offset >= MAX32);
    if (zip64) {
      const endOffset = this.#offset;
      await this.#write(zip64EndRecord(count, centralSize, centralStart));
      await this.#write(zip64Locator(endOffset));
    }
    await this.#write(endRecord(count, centralSize, centralStart));
    await this.#writer.close();
    return { entries: count, bytes: this.#offset, zip64 };
  }

  /** Give up: abort the destination (a partial archive is left to the destination to discard). */
  async abort(reason?: unknown): Promise<void> {
    this.#closed = true;
    await this.#writer.abort(reason).catch(() => {});
  }

  async #write(bytes: Uint8Array): Promise<void> {
    await this.#writer.write(bytes);
    this.#offset += bytes.byteLength;
  }
}

function checkEntryName(name: string): void {
  if (name === "" || name.startsWith("/") || name.includes("\\") || name.includes("\0")) {
    throw new TypeError(`unsafe ZIP entry name: ${JSON.stringify(name)}`);
  }
  if (name.split("/").some((part) => part === ".." || part === ".")) {
    throw new TypeError(`unsafe ZIP entry name: ${JSON.stringify(name)}`);
  }
}

/** DOS date/time (local time, 2-second resolution, 1980–2107). */
function toDosDateTime(date: Date): { dosTime: number; dosDate: number } {
  let year = date.getFullYear();
  if (Number.isNaN(year) || year < 1980) return { dosTime: 0, dosDate: (1 << 5) | 1 };
  if (year > 2107) year = 2107;
  const dosTime = (date.getHours() << 11) | (date.getMinutes() << 5) |
    Math.floor(date.getSeconds() / 2);
  const dosDate = ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  return { dosTime, dosDate };
}

function clampUnixTime(date: Date): number {
  const seconds = Math.floor(date.getTime() / 1000);
  if (!Number.isFinite(seconds) || seconds < 0) return 0;
  return Math.min(seconds, MAX32);
}

function timestampExtra(unixTime: number): Uint8Array {
  const bytes = new Uint8Array(9);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0x5455, true);
  view.setUint16(2, 5, true);
  view.setUint8(4, 1);
  view.setUint32(5, unixTime, true);
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function setUint64(view: DataView, at: number, value: number): void {
  view.setBigUint64(at, BigInt(value), true);
}

function localHeader(
  name: Uint8Array,
  flags: number,
  method: number,
  dosTime: number,
  dosDate: number,
  unixTime: number,
  zip64: boolean,
): Uint8Array {
  const extras: Uint8Array[] = [];
  if (zip64) {
    // Sizes are in the data descriptor; the extra field announces 8-byte ones.
    const z = new Uint8Array(20);
    const v = new DataView(z.buffer);
    v.setUint16(0, 0x0001, true);
    v.setUint16(2, 16, true);
    extras.push(z);
  }
  extras.push(timestampExtra(unixTime));
  const extra = concat(extras);
  const head = new Uint8Array(30);
  const v = new DataView(head.buffer);
  v.setUint32(0, 0x04034b50, true);
  v.setUint16(4, zip64 ? VERSION_ZIP64 : VERSION_ZIP20, true);
  v.setUint16(6, flags, true);
  v.setUint16(8, method, true);
  v.setUint16(10, dosTime, true);
  v.setUint16(12, dosDate, true);
  v.setUint32(14, 0, true);
  v.setUint32(18, zip64 ? MAX32 : 0, true);
  v.setUint32(22, zip64 ? MAX32 : 0, true);
  v.setUint16(26, name.byteLength, true);
  v.setUint16(28, extra.byteLength, true);
  return concat([head, name, extra]);
}

function dataDescriptor(
  crc: number,
  compressedSize: number,
  size: number,
  zip64: boolean,
): Uint8Array {
  const bytes = new Uint8Array(zip64 ? 24 : 16);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, 0x08074b50, true);
  v.setUint32(4, crc, true);
  if (zip64) {
    setUint64(v, 8, compressedSize);
    setUint64(v, 16, size);
  } else {
    v.setUint32(8, compressedSize, true);
    v.setUint32(12, size, true);
  }
  return bytes;
}

function centralHeader(r: CentralRecord): Uint8Array {
  const needSize = r.size >= MAX32;
  const needCompressed = r.compressedSize >= MAX32;
  const needOffset = r.offset >= MAX32;
  const extras: Uint8Array[] = [];
  const zip64Values: number[] = [];
  if (needSize) zip64Values.push(r.size);
  if (needCompressed) zip64Values.push(r.compressedSize);
  if (needOffset) zip64Values.push(r.offset);
  if (zip64Values.length > 0) {
    const z = new Uint8Array(4 + 8 * zip64Values.length);
    const v = new DataView(z.buffer);
    v.setUint16(0, 0x0001, true);
    v.setUint16(2, 8 * zip64Values.length, true);
    zip64Values.forEach((value, i) => setUint64(v, 4 + 8 * i, value));
    extras.push(z);
  }
  extras.push(timestampExtra(r.unixTime));
  const extra = concat(extras);
  const head = new Uint8Array(46);
  const v = new DataView(head.buffer);
  v.setUint32(0, 0x02014b50, true);
  v.setUint16(4, VERSION_MADE_BY, true);
  v.setUint16(6, r.zip64 || zip64Values.length > 0 ? VERSION_ZIP64 : VERSION_ZIP20, true);
  v.setUint16(8, r.flags, true);
  v.setUint16(10, r.method, true);
  v.setUint16(12, r.dosTime, true);
  v.setUint16(14, r.dosDate, true);
  v.setUint32(16, r.crc, true);
  v.setUint32(20, needCompressed ? MAX32 : r.compressedSize, true);
  v.setUint32(24, needSize ? MAX32 : r.size, true);
  v.setUint16(28, r.name.byteLength, true);
  v.setUint16(30, extra.byteLength, true);
  v.setUint16(32, 0, true);
  v.setUint16(34, 0, true);
  v.setUint16(36, 0, true);
  v.setUint32(38, (REGULAR_FILE_MODE << 16) >>> 0, true);
  v.setUint32(42, needOffset ? MAX32 : r.offset, true);
  return concat([head, r.name, extra]);
}

function zip64EndRecord(count: number, centralSize: number, centralStart: number): Uint8Array {
  const bytes = new Uint8Array(56);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, 0x06064b50, true);
  setUint64(v, 4, 44);
  v.setUint16(12, VERSION_MADE_BY, true);
  v.setUint16(14, VERSION_ZIP64, true);
  v.setUint32(16, 0, true);
  v.setUint32(20, 0, true);
  setUint64(v, 24, count);
  setUint64(v, 32, count);
  setUint64(v, 40, centralSize);
  setUint64(v, 48, centralStart);
  return bytes;
}

function zip64Locator(endOffset: number): Uint8Array {
  const bytes = new Uint8Array(20);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, 0x07064b50, true);
  v.setUint32(4, 0, true);
  setUint64(v, 8, endOffset);
  v.setUint32(16, 1, true);
  return bytes;
}

function endRecord(count: number, centralSize: number, centralStart: number): Uint8Array {
  const bytes = new Uint8Array(22);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, 0x06054b50, true);
  v.setUint16(8, Math.min(count, MAX16), true);
  v.setUint16(10, Math.min(count, MAX16), true);
  v.setUint32(12, Math.min(centralSize, MAX32), true);
  v.setUint32(16, Math.min(centralStart, MAX32), true);
  return bytes;
}
