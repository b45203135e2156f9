/**
 * Plain reads of binaries for the export: `HEAD` and `GET` without
 * `Want-Digest`. (Asking Fedora for a digest makes it hash the whole file
 * before it answers — about 100 s for 2 GiB — even for a `HEAD`.) The
 * export checks downloads against the digest stored in the binary's
 * description (`premis:hasMessageDigest`) instead. Uses the repository
 * client's HTTP core, so auth, `On-Behalf-Of`, pooling and retries are the
 * same as for every other request.
 *
 * @module
 */
import type { RepositoryConfig } from "../../config/types.ts";
import { createAuthProvider, createHttpClient } from "../../repository/auth.ts";
import { HttpCore } from "../../repository/http.ts";

const LDP_NON_RDF_SOURCE = "http://www.w3.org/ns/ldp#NonRDFSource";

/** What the headers of a binary say. */
export interface BinaryHead {
  uri: string;
  isBinary: boolean;
  /** `Link rel="describedby"`. */
  describedBy?: string;
  contentType?: string;
  contentLength?: number;
  lastModified?: Date;
}

/** A binary being read. */
export interface BinaryBody extends BinaryHead {
  body: ReadableStream<Uint8Array>;
}

function links(headers: Headers): { uri: string; rel: string }[] {
  const found: { uri: string; rel: string }[] = [];
  for (const m of (headers.get("Link") ?? "").matchAll(/<([^>]*)>\s*((?:;\s*[^,;<]+)*)/g)) {
    const rel = /rel\s*=\s*"?([^";,]+)"?/.exec(m[2])?.[1];
    if (rel) found.push({ uri: m[1], rel });
  }
  return found;
}

function describe(uri: string, headers: Headers): BinaryHead {
  const all = links(headers);
  const length = headers.get("Content-Length");
  const modified = headers.get("Last-Modified");
  const date = modified ? new Date(modified) : undefined;
  return {
    uri,
    isBinary: all.some((l) => l.rel === "type" && l.uri === LDP_NON_RDF_SOURCE),
    describedBy: all.find((l) => l.rel === "describedby")?.uri,
    contentType: headers.get("Content-Type") ?? undefined,
    contentLength: length !== null && /^\d+$/.test(length) ? Number(length) : undefined,
    lastModified: date && !Number.isNaN(date.getTime()) ? date : undefined,
  };
}

/** Reads binaries of the repository. */
export class BinaryReader {
  readonly #http: HttpCore;
  readonly #client: Deno.HttpClient;

  private constructor(http: HttpCore, client: Deno.HttpClient) {
    this.#http = http;
    this.#client = client;
  }

  /** A reader with the repository configuration's auth and TLS settings. */
  static async create(
    config: RepositoryConfig,
    options: { onBehalfOf?: string; maxConnections?: number } = {},
  ): Promise<BinaryReader> {
    const maxConnections = options.maxConnections ?? 8;
    const client = await createHttpClient(config, maxConnections);
    const http = new HttpCore({
      auth: createAuthProvider(config, options.onBehalfOf ?? "plastrond"),
      client,
      onBehalfOf: options.onBehalfOf,
      maxConnections,
    });
    return new BinaryReader(http, client);
  }

  /** `HEAD` the resource. Throws the repository client's errors (404, 410, …). */
  async head(uri: string): Promise<BinaryHead> {
    const res = await this.#http.send({ method: "HEAD", url: uri, retryable: true });
    await res.discard();
    return describe(uri, res.headers);
  }

  /** `GET` the bytes as a stream (read it to the end or cancel it). */
  async get(uri: string, signal?: AbortSignal): Promise<BinaryBody> {
    const res = await this.#http.send({ method: "GET", url: uri, retryable: true, signal });
    const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    return { ...describe(uri, res.headers), body };
  }

  /** Close pooled connections. */
  close(): void {
    this.#client.close();
  }
}

/** A digest stored in a binary's description, e.g. `urn:sha-512:<hex>`. */
export interface StoredDigest {
  /** A `node:crypto` algorithm name: `sha512`, `sha256`, `sha1` or `md5`. */
  algorithm: string;
  hex: string;
}

/** Parse `premis:hasMessageDigest` values (`urn:sha-512:…`, `urn:sha1:…`, `urn:md5:…`). */
export function parseStoredDigest(urn: string): StoredDigest | undefined {
  const m = /^urn:(sha-?512|sha-?256|sha-?1|md5):([0-9a-f]+)$/i.exec(urn.trim());
  if (!m) return undefined;
  return { algorithm: m[1].toLowerCase().replace("-", ""), hex: m[2].toLowerCase() };
}
