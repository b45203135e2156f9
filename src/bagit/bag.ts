/**
 * A BagIt 1.0 bag (RFC 8493) written straight into a streamed ZIP: payload
 * files are hashed (sha256 and sha512) while they stream through, and the
 * tag files (`bagit.txt`, `bag-info.txt`, payload manifests and tag
 * manifests) are written when the bag is finished.
 *
 * @example
 * ```ts
 * const file = await Deno.create("/tmp/export.zip");
 * const bag = new BagWriter(file.writable, { root: "export" });
 * await bag.addPayload("metadata.ttl", new TextEncoder().encode("<a> <b> <c> ."));
 * await bag.finish();
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";
import { VERSION } from "../version.ts";
import { type ZipEntryInfo, ZipStreamWriter, type ZipSummary } from "./zip_writer.ts";

/** The manifest algorithms every bag carries. */
export const BAG_ALGORITHMS = ["sha256", "sha512"] as const;

/** One of {@linkcode BAG_ALGORITHMS}. */
export type BagAlgorithm = typeof BAG_ALGORITHMS[number];

/** Options of a bag. */
export interface BagOptions {
  /** Name of the bag's root folder inside the ZIP (usually the destination's base name). */
  root: string;
  /** Extra `bag-info.txt` lines (label → value), written after the standard ones. */
  info?: Record<string, string>;
  /** The time written as `Bagging-Date` (default: now). */
  baggingDate?: Date;
}

/** How one payload file is written. */
export interface PayloadOptions {
  /** Modification time of the file in the ZIP. */
  mtime?: Date;
  /** The size when known beforehand (lets small files avoid ZIP64 records). */
  size?: number;
  /** Deflate it (for text such as metadata). */
  compress?: boolean;
}

/** A payload file as recorded in the manifests. */
export interface PayloadRecord {
  /** Path relative to the bag root, e.g. `data/metadata.ttl`. */
  path: string;
  size: number;
  digests: Record<BagAlgorithm, string>;
}

/** Totals of a finished bag. */
export interface BagSummary extends ZipSummary {
  /** Payload bytes and file count, as in `Payload-Oxum`. */
  payloadBytes: number;
  payloadFiles: number;
}

/** Writes one bag as a ZIP into a byte stream. */
export class BagWriter {
  #zip: ZipStreamWriter;
  #root: string;
  #options: BagOptions;
  #payload: PayloadRecord[] = [];
  #finished = false;

  /** @param destination where the ZIP's bytes go; closed by {@linkcode finish}. */
  constructor(destination: WritableStream<Uint8Array>, options: BagOptions) {
    checkRelativePath(options.root, "bag root");
    if (options.root.includes("/")) throw new TypeError("bag root must be one folder name");
    this.#zip = new ZipStreamWriter(destination);
    this.#root = options.root;
    this.#options = options;
  }

  /** Bytes written to the destination so far. */
  get bytesWritten(): number {
    return this.#zip.bytesWritten;
  }

  /** The payload files written so far. */
  get payload(): readonly PayloadRecord[] {
    return this.#payload;
  }

  /**
   * Add a payload file at `data/<path>`, hashing it while it streams.
   *
   * @param path relative to `data/`, with `/` between folders.
   */
  async addPayload(
    path: string,
    data: ReadableStream<Uint8Array> | Uint8Array,
    options: PayloadOptions = {},
  ): Promise<PayloadRecord> {
    if (this.#finished) throw new TypeError("bag is already finished");
    checkRelativePath(path, "payload path");
    const hashes = BAG_ALGORITHMS.map((a) => createHash(a));
    const source = data instanceof Uint8Array
      ? new Blob([data as Uint8Array<ArrayBuffer>]).stream()
      : data;
    const hashing = source.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          for (const h of hashes) h.update(chunk);
          controller.enqueue(chunk);
        },
      }),
    );
    const bagPath = `data/${path}`;
    const info: ZipEntryInfo = await this.#zip.add(`${this.#root}/${bagPath}`, hashing, {
      mtime: options.mtime,
      size: data instanceof Uint8Array ? data.byteLength : options.size,
      compress: options.compress,
    });
    const digests = Object.fromEntries(
      BAG_ALGORITHMS.map((a, i) => [a, hashes[i].digest("hex")]),
    ) as Record<BagAlgorithm, string>;
    const record = { path: bagPath, size: info.size, digests };
    this.#payload.push(record);
    return record;
  }

  /** Write the tag files and the ZIP's central directory, and close the destination. */
  async finish(): Promise<BagSummary> {
    if (this.#finished) throw new TypeError("bag is already finished");
    this.#finished = true;
    const encoder = new TextEncoder();
    const payloadBytes = this.#payload.reduce((n, r) => n + r.size, 0);
    const payloadFiles = this.#payload.length;
    const tagFiles: [string, Uint8Array][] = [];
    tagFiles.push([
      "bagit.txt",
      encoder.encode("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
    ]);
    const info: [string, string][] = [
      ["Bagging-Date", isoDate(this.#options.baggingDate ?? new Date())],
      ["Bag-Software-Agent", `plastrond/${VERSION}`],
      ["Payload-Oxum", `${payloadBytes}.${payloadFiles}`],
      ...Object.entries(this.#options.info ?? {}),
    ];
    tagFiles.push([
      "bag-info.txt",
      encoder.encode(info.map(([k, v]) => `${k}: ${oneLine(v)}\n`).join("")),
    ]);
    for (const algorithm of BAG_ALGORITHMS) {
      const lines = this.#payload.map((r) =>
        `${r.digests[algorithm]}  ${encodeManifestPath(r.path)}\n`
      );
      tagFiles.push([`manifest-${algorithm}.txt`, encoder.encode(lines.join(""))]);
    }
    for (const algorithm of BAG_ALGORITHMS) {
      const lines = tagFiles.map(([name, bytes]) =>
        `${createHash(algorithm).update(bytes).digest("hex")}  ${name}\n`
      );
      tagFiles.push([`tagmanifest-${algorithm}.txt`, encoder.encode(lines.join(""))]);
    }
    const now = new Date();
    for (const [name, bytes] of tagFiles) {
      await this.#zip.add(`${this.#root}/${name}`, bytes, { mtime: now });
    }
    const summary = await this.#zip.close();
    return { ...summary, payloadBytes, payloadFiles };
  }

  /** Give up on the bag: abort the destination. */
  async abort(reason?: unknown): Promise<void> {
    this.#finished = true;
    await this.#zip.abort(reason);
  }
}

/** BagIt 1.0 §2.1.3: CR, LF and `%` in manifest paths are percent-encoded. */
export function encodeManifestPath(path: string): string {
  return path.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

function checkRelativePath(path: string, what: string): void {
  const parts = path.split("/");
  if (
    path === "" || path.startsWith("/") || path.includes("\\") || path.includes("\0") ||
    parts.some((p) => p === "" || p === "." || p === "..")
  ) {
    throw new TypeError(`unsafe ${what}: ${JSON.stringify(path)}`);
  }
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}
