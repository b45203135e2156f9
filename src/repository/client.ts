/**
 * The repository client: reads and writes a Fedora repository (6.x, and
 * 4.7/5.x) over its LDP REST API. It knows nothing about jobs, messages or
 * CSV.
 *
 * ```ts
 * const repo = await RepositoryClient.create(config.repository, { onBehalfOf: "jdoe" });
 * await repo.transaction(async (tx) => {
 *   const obj = await tx.createContainer({ graph: [...] });
 *   await tx.createBinary({ parent: obj, body: () => file.readable, contentType: "image/tiff" });
 * });
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";
import { DataFactory } from "n3";
import type { Quad, Term } from "n3";
import type { RepositoryConfig } from "../config/types.ts";
import { parseRdf } from "../rdf/graph.ts";
import { PREFIXES } from "../rdf/namespaces.ts";
import { buildSparqlUpdate, type GraphChange, sparqlTerm } from "../rdf/sparql_update.ts";
import { createAuthProvider, createHttpClient } from "./auth.ts";
import { DigestMismatchError, RepositoryError, TransactionError } from "./errors.ts";
import { type BodySource, HttpCore, type HttpRequest, type HttpResponse } from "./http.ts";
import type { RetryPolicy } from "./retry.ts";
import { Transaction, type TransactionOptions } from "./transaction.ts";

/** Options of {@link RepositoryClient.create}. */
export interface RepositoryClientOptions {
  /** Sent as `On-Behalf-Of` (and as the JWT subject) when the job delegates. */
  onBehalfOf?: string;
  /** Requests in flight at once (the connection pool's size); default 8. */
  maxConnections?: number;
  /** Retry policy for transient failures. */
  retry?: RetryPolicy;
}

/** The `Prefer` URIs that ask Fedora to omit server-managed triples (4.x and 6.x). */
export const SERVER_MANAGED_PREFER =
  'return=representation; omit="http://fedora.info/definitions/v4/repository#ServerManaged http://fedora.info/definitions/fcrepo#ServerManaged"';

const LDP_CONTAINS = PREFIXES.ldp + "contains";
const LDP_NON_RDF_SOURCE = PREFIXES.ldp + "NonRDFSource";
const PREMIS_DIGEST = PREFIXES.premis + "hasMessageDigest";
/** Algorithms hashed while streaming an upload of unknown digest, by their `urn:` names. */
const STREAM_DIGESTS = { "sha-256": "sha256", "sha-512": "sha512", "sha1": "sha1" } as const;

/** Ask the repository to recompute the digest (`Want-Digest`): a fixity check, slow for big files. */
export interface FixityOption {
  fixity?: boolean;
}

/** What the headers of a resource say. */
export interface ResourceDescription {
  /** The resource's URI. */
  uri: string;
  /** `ETag`, for `If-Match` on a later update. */
  etag?: string;
  /** Fedora 6 `X-State-Token`, for `X-If-State-Token` on a later update. */
  stateToken?: string;
  /** `Last-Modified`. */
  lastModified?: string;
  /** The `Link rel="type"` IRIs (LDP interaction model and Fedora types). */
  types: string[];
  /** Whether it is a binary (`ldp:NonRDFSource`). */
  isBinary: boolean;
  /** For a binary: its description (`Link rel="describedby"`, `…/fcr:metadata`). */
  describedBy?: string;
  /** `Content-Type`. */
  contentType?: string;
  /** `Content-Length`, when known. */
  contentLength?: number;
  /** SHA-256 (hex) from the `Digest` header, when the server gave one (asked with `fixity`). */
  sha256?: string;
}

/** A resource's description and its RDF. */
export interface RdfResource extends ResourceDescription {
  /** The triples (for a binary: those of its description). */
  graph: Quad[];
}

/** A binary being downloaded. */
export interface BinaryDownload extends ResourceDescription {
  /** The bytes; reading errors are `ConnectionError`s. Read it to the end or cancel it. */
  body: ReadableStream<Uint8Array>;
}

/** Options of {@link RepositoryClient.getGraph}. */
export interface GetGraphOptions {
  /** Ask the server to leave out server-managed triples (for diffs). */
  omitServerManaged?: boolean;
}

/** Where a new resource goes: `POST` into `parent` (with an optional `slug`), or `PUT` to `uri`. */
export type Placement = { parent?: string; slug?: string; uri?: undefined } | {
  uri: string;
  parent?: undefined;
  slug?: undefined;
};

/** A new container. Triples whose subject is the empty IRI `<>` describe the new resource. */
export type NewContainer = Placement & { graph?: readonly Quad[] };

/** A new binary. */
export type NewBinary = Placement & {
  /** The bytes; give a function returning a stream so the upload can be retried. */
  body: BodySource;
  contentType: string;
  /** Sent as `Content-Disposition: attachment; filename="…"`. */
  filename?: string;
  /**
   * SHA-256 (hex) known before sending: sent as `Digest`, and the repository
   * refuses a mismatch. When absent, the bytes are hashed while streaming and
   * compared with the digest the repository reports afterwards.
   */
  sha256?: string;
};

/** What a binary upload did. */
export interface CreatedBinary {
  uri: string;
  /** The SHA-256 (hex) of the bytes, as checked. */
  sha256: string;
  /** Bytes sent (when hashed while streaming). */
  size?: number;
  /** Its description (`Link rel="describedby"` of the creation's answer), when given. */
  describedBy?: string;
}

/**
 * "Only if nothing changed since I read it": the `stateToken` (Fedora 6,
 * sent as `X-If-State-Token`) or else a strong `etag` (sent as `If-Match`;
 * Fedora's weak RDF ETags never match, so they are not sent).
 * A resource changed meanwhile gives a `RepositoryError` with status 412.
 */
export type Precondition = Pick<ResourceDescription, "etag" | "stateToken">;

function preconditionHeaders(p?: Precondition): Record<string, string> {
  if (p?.stateToken) return { "X-If-State-Token": p.stateToken };
  if (p?.etag && !p.etag.startsWith("W/")) return { "If-Match": p.etag };
  return {};
}

/** The empty (relative) IRI: the subject of a new resource's own triples. */
export const THIS_RESOURCE = DataFactory.namedNode("");

function parseLinks(headers: Headers): Array<{ uri: string; rel: string }> {
  const links: Array<{ uri: string; rel: string }> = [];
  const raw = headers.get("Link") ?? "";
  for (const m of raw.matchAll(/<([^>]*)>\s*((?:;\s*[^,;<]+)*)/g)) {
    const rel = /rel\s*=\s*"?([^";,]+)"?/.exec(m[2])?.[1];
    if (rel) links.push({ uri: m[1], rel });
  }
  return links;
}

function parseSha256(headers: Headers): string | undefined {
  const digest = headers.get("Digest");
  if (!digest) return undefined;
  for (const part of digest.split(",")) {
    const [alg, ...rest] = part.trim().split("=");
    const value = rest.join("=");
    if (/^sha-?256$/i.test(alg)) {
      if (/^[0-9a-f]{64}$/i.test(value)) return value.toLowerCase();
      try {
        const bin = atob(value);
        return [...bin].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * A `Slug` value HTTP can carry: characters outside printable ASCII are
 * percent-encoded as UTF-8 (the path segment Fedora makes of them either way).
 */
export function slugHeader(slug: string): string {
  return slug.replace(/[^\x20-\x7e]+/gu, (run) => encodeURIComponent(run.toWellFormed()));
}

function newHashes(): Record<string, ReturnType<typeof createHash>> {
  return Object.fromEntries(
    Object.entries(STREAM_DIGESTS).map(([name, alg]) => [name, createHash(alg)]),
  );
}

/** Turtle for a request body: one triple a line, terms escaped like SPARQL's (same grammar). */
function turtleBody(quads: readonly Quad[]): string {
  return quads.map((q) =>
    `${sparqlTerm(q.subject)} ${sparqlTerm(q.predicate)} ${sparqlTerm(q.object)} .\n`
  ).join("");
}

/** Reads and writes the repository. Make one with {@link RepositoryClient.create}. */
export class RepositoryClient {
  /** The REST endpoint, without a trailing slash. */
  readonly endpoint: string;
  /** Where new objects go by default (`endpoint` + `RELPATH`). */
  readonly baseContainer: string;
  /** The transaction this client works in, if any. */
  readonly transactionInUse?: Transaction;
  readonly #http: HttpCore;

  private constructor(endpoint: string, relpath: string, http: HttpCore, tx?: Transaction) {
    this.endpoint = endpoint.replace(/\/+$/, "");
    const rel = relpath.replace(/^\/+|\/+$/g, "");
    this.baseContainer = rel ? `${this.endpoint}/${rel}` : this.endpoint;
    this.#http = http;
    this.transactionInUse = tx;
  }

  /** Makes a client (reads the TLS files the configuration names). */
  static async create(
    config: RepositoryConfig,
    options: RepositoryClientOptions = {},
  ): Promise<RepositoryClient> {
    const maxConnections = options.maxConnections ?? 8;
    const http = new HttpCore({
      auth: createAuthProvider(config, options.onBehalfOf ?? "plastrond"),
      client: await createHttpClient(config, maxConnections),
      onBehalfOf: options.onBehalfOf,
      maxConnections,
      retry: options.retry,
    });
    return new RepositoryClient(config.restEndpoint, config.relpath ?? "/", http);
  }

  /** Closes pooled connections. Not needed for a client bound to a transaction. */
  close(): void {
    if (!this.transactionInUse) this.#http.close();
  }

  // ---- low level -------------------------------------------------------------------------

  async #send(
    method: string,
    uri: string,
    init: Partial<Omit<HttpRequest, "method" | "url">> = {},
  ): Promise<HttpResponse> {
    const tx = this.transactionInUse;
    tx?.assertOpen(method, uri);
    const idempotent = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].includes(method);
    try {
      return await this.#http.send({
        method,
        url: tx ? tx.toRequestUri(uri) : uri,
        displayUri: uri,
        ...init,
        headers: { ...init.headers, ...tx?.headers() },
        retryable: init.retryable ?? (idempotent || tx !== undefined),
        signal: tx?.signal,
      });
    } catch (e) {
      // Fedora answers 409/410 naming the transaction (6.x) or session (4.x) when it was closed.
      if (
        tx && e instanceof RepositoryError && !(e instanceof TransactionError) &&
        (e.status === 409 || e.status === 410) &&
        /transaction|session/i.test(e.serverMessage ?? "")
      ) {
        throw new TransactionError(
          `the transaction ${tx.location} was closed by the repository; its work is abandoned`,
          { method, uri, status: e.status, serverMessage: e.serverMessage, cause: e },
        );
      }
      throw e;
    }
  }

  #fromServer(uri: string): string {
    return this.transactionInUse ? this.transactionInUse.fromResponseUri(uri) : uri;
  }

  #toServerTerm<T extends Term>(term: T): T {
    const tx = this.transactionInUse;
    if (tx?.style === "fedora4" && term.termType === "NamedNode") {
      return DataFactory.namedNode(tx.toRequestUri(term.value)) as unknown as T;
    }
    return term;
  }

  #fromServerQuads(quads: Quad[]): Quad[] {
    const tx = this.transactionInUse;
    if (tx?.style !== "fedora4") return quads;
    const map = (t: Term): Term =>
      t.termType === "NamedNode" ? DataFactory.namedNode(tx.fromResponseUri(t.value)) : t;
    return quads.map((q) =>
      DataFactory.quad(
        map(q.subject) as Quad["subject"],
        map(q.predicate) as Quad["predicate"],
        map(q.object) as Quad["object"],
      )
    );
  }

  #toServerQuads(quads: readonly Quad[]): Quad[] {
    return quads.map((q) =>
      DataFactory.quad(
        this.#toServerTerm(q.subject),
        this.#toServerTerm(q.predicate),
        this.#toServerTerm(q.object),
      )
    );
  }

  #describe(uri: string, headers: Headers): ResourceDescription {
    const links = parseLinks(headers);
    const types = links.filter((l) => l.rel === "type").map((l) => l.uri);
    const describedBy = links.find((l) => l.rel === "describedby")?.uri;
    const length = headers.get("Content-Length");
    return {
      uri,
      etag: headers.get("ETag") ?? undefined,
      stateToken: headers.get("X-State-Token") ?? undefined,
      lastModified: headers.get("Last-Modified") ?? undefined,
      types,
      isBinary: types.includes(LDP_NON_RDF_SOURCE),
      describedBy: describedBy ? this.#fromServer(describedBy) : undefined,
      contentType: headers.get("Content-Type") ?? undefined,
      contentLength: length ? Number(length) : undefined,
      sha256: parseSha256(headers),
    };
  }

  // ---- reading ---------------------------------------------------------------------------

  /** `HEAD`: what the resource is. Throws `NotFoundError`/`GoneError` when absent. */
  async head(uri: string, options: FixityOption = {}): Promise<ResourceDescription> {
    const headers: Record<string, string> = options.fixity ? { "Want-Digest": "sha-256" } : {};
    const res = await this.#send("HEAD", uri, { headers });
    return this.#describe(uri, res.headers);
  }

  /** Whether the resource exists (false for 404 and 410). */
  async exists(uri: string): Promise<boolean> {
    const res = await this.#send("HEAD", uri, { acceptStatus: [404, 410] });
    return res.status < 400;
  }

  /**
   * The RDF of a resource (for a binary: of its description, found through
   * `Link rel="describedby"`), with the headers of the resource read.
   */
  async getGraph(uri: string, options: GetGraphOptions = {}): Promise<RdfResource> {
    const headers: Record<string, string> = { Accept: "application/n-triples" };
    if (options.omitServerManaged) headers.Prefer = SERVER_MANAGED_PREFER;
    let target = uri;
    // A binary answers 406 to an RDF Accept (Fedora 6) or with its bytes (Fedora 4):
    // either way its description is found through Link rel="describedby".
    let res = await this.#send("GET", target, { headers, acceptStatus: [406] });
    let description = this.#describe(uri, res.headers);
    if (res.status === 406) {
      await res.discard();
      description = await this.head(uri);
    }
    if (description.isBinary) {
      if (res.status !== 406) await res.discard();
      if (!description.describedBy) {
        throw new RepositoryError("the binary has no describedby link to its description", {
          method: "GET",
          uri,
        });
      }
      target = description.describedBy;
      res = await this.#send("GET", target, { headers });
      description = {
        ...description,
        etag: res.headers.get("ETag") ?? description.etag,
        stateToken: res.headers.get("X-State-Token") ?? description.stateToken,
      };
    } else if (res.status === 406) {
      throw new RepositoryError("the repository cannot give this resource as RDF", {
        method: "GET",
        uri,
        status: 406,
      });
    }
    const text = await res.text();
    const contentType = res.headers.get("Content-Type") ?? "application/n-triples";
    const serverUri = this.transactionInUse ? this.transactionInUse.toRequestUri(target) : target;
    const graph = this.#fromServerQuads(parseRdf(text, contentType, serverUri));
    return { ...description, graph };
  }

  /** Downloads a binary as a stream. */
  async getBinary(uri: string, options: FixityOption = {}): Promise<BinaryDownload> {
    const headers: Record<string, string> = options.fixity ? { "Want-Digest": "sha-256" } : {};
    const res = await this.#send("GET", uri, { headers });
    const description = this.#describe(uri, res.headers);
    if (!res.body) {
      return { ...description, body: new ReadableStream({ start: (c) => c.close() }) };
    }
    return { ...description, body: res.body };
  }

  /**
   * The digests the repository stored for a binary (`premis:hasMessageDigest`
   * of its description), as algorithm → lower-case hex, e.g.
   * `{ "sha-512": "…", "sha-256": "…" }`. Cheap: nothing is re-hashed.
   */
  async storedDigests(uri: string): Promise<Record<string, string>> {
    const { graph } = await this.getGraph(uri);
    const digests: Record<string, string> = {};
    for (const q of graph) {
      if (q.subject.value !== uri || q.predicate.value !== PREMIS_DIGEST) continue;
      const m = /^urn:([a-z0-9-]+):([0-9a-f]+)$/i.exec(q.object.value);
      if (m) digests[m[1].toLowerCase()] = m[2].toLowerCase();
    }
    return digests;
  }

  /** The URIs of `ldp:contains` children. */
  async children(uri: string): Promise<string[]> {
    const { graph } = await this.getGraph(uri);
    return graph
      .filter((q) =>
        q.subject.value === uri && q.predicate.value === LDP_CONTAINS &&
        q.object.termType === "NamedNode"
      )
      .map((q) => q.object.value);
  }

  /**
   * Walks from `uri` along `predicates` (default `ldp:contains`), yielding
   * each resource once (the start first), breadth first. Only resources in
   * this repository are followed.
   */
  async *walk(
    uri: string,
    predicates: readonly string[] = [LDP_CONTAINS],
  ): AsyncGenerator<RdfResource> {
    const seen = new Set<string>([uri]);
    const queue = [uri];
    while (queue.length > 0) {
      const current = queue.shift()!;
      const resource = await this.getGraph(current);
      yield resource;
      for (const q of resource.graph) {
        if (
          q.subject.value === current && predicates.includes(q.predicate.value) &&
          q.object.termType === "NamedNode" && q.object.value.startsWith(this.endpoint + "/") &&
          !seen.has(q.object.value)
        ) {
          seen.add(q.object.value);
          queue.push(q.object.value);
        }
      }
    }
  }

  // ---- writing ---------------------------------------------------------------------------

  async #place(
    placement: Placement,
    headers: Record<string, string>,
    body: BodySource | undefined,
    retryable?: boolean,
  ): Promise<string> {
    return (await this.#create(placement, headers, body, retryable)).uri;
  }

  /** Creates a resource; its URI and the description link of the answer. */
  async #create(
    placement: Placement,
    headers: Record<string, string>,
    body: BodySource | undefined,
    retryable?: boolean,
  ): Promise<{ uri: string; describedBy?: string }> {
    const linkOf = (res: { headers: Headers }) => {
      const link = parseLinks(res.headers).find((l) => l.rel === "describedby")?.uri;
      return link ? this.#fromServer(link) : undefined;
    };
    if (placement.uri) {
      const res = await this.#send("PUT", placement.uri, { headers, body, retryable });
      await res.discard();
      return { uri: placement.uri, describedBy: linkOf(res) };
    }
    const parent = placement.parent ?? this.baseContainer;
    const h = { ...headers };
    if (placement.slug) h.Slug = slugHeader(placement.slug);
    const res = await this.#send("POST", parent, { headers: h, body, retryable });
    await res.discard();
    const location = res.headers.get("Location");
    if (!location) {
      throw new RepositoryError("the repository created a resource but gave no Location", {
        method: "POST",
        uri: parent,
        status: res.status,
      });
    }
    return { uri: this.#fromServer(location), describedBy: linkOf(res) };
  }

  /** Creates a container (`POST` into a parent, or `PUT` to a URI); returns its URI. */
  createContainer(container: NewContainer = {}): Promise<string> {
    const graph = this.#toServerQuads(container.graph ?? []);
    return this.#place(container, { "Content-Type": "text/turtle" }, turtleBody(graph));
  }

  /**
   * Creates the container at `uri` unless it exists (e.g. the `RELPATH`
   * container). A path Fedora 6 keeps only as part of deeper resources (a
   * "ghost" node: 404 to a read, 409 "immutable resource" to a PUT) counts as
   * there: resources are created under it with PUT all the same.
   */
  async ensureContainer(uri: string): Promise<void> {
    if (await this.exists(uri)) return;
    try {
      await this.createContainer({ uri });
    } catch (error) {
      const ghost = error instanceof RepositoryError && error.status === 409 &&
        /immutable resource/i.test(error.serverMessage ?? "");
      if (!ghost) throw error;
    }
  }

  /** Uploads a binary, streamed, with its digest checked; returns its URI and digest. */
  async createBinary(binary: NewBinary): Promise<CreatedBinary> {
    const headers: Record<string, string> = { "Content-Type": binary.contentType };
    if (binary.filename) headers["Content-Disposition"] = contentDisposition(binary.filename);
    if (binary.sha256) {
      headers.Digest = `sha-256=${binary.sha256.toLowerCase()}`;
      const { uri, describedBy } = await this.#create(binary, headers, binary.body);
      return { uri, sha256: binary.sha256.toLowerCase(), describedBy };
    }
    // Unknown digest: hash while streaming, then compare with the digests the repository
    // stored (Fedora 6 keeps SHA-512 by default, Fedora 4 SHA-1).
    // Each attempt hashes into its own state: a failed attempt's stream can never touch the next.
    let attempt = { hashes: newHashes(), size: 0 };
    const hashing = (source: ReadableStream<Uint8Array>) => {
      const current = { hashes: newHashes(), size: 0 };
      attempt = current;
      return source.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            for (const h of Object.values(current.hashes)) h.update(chunk);
            current.size += chunk.byteLength;
            controller.enqueue(chunk);
          },
        }),
      );
    };
    const source = binary.body;
    const body: BodySource = typeof source === "function"
      ? () => hashing(source())
      : source instanceof ReadableStream
      ? hashing(source)
      : hashing(new Blob([source]).stream());
    const { uri, describedBy } = await this.#create(
      binary,
      headers,
      body,
      typeof source !== "function" ? false : undefined,
    );
    const { hashes, size } = attempt;
    const sent = Object.fromEntries(
      Object.entries(hashes).map(([alg, h]) => [alg, h.digest("hex")]),
    );
    const stored = await this.storedDigests(uri);
    const compared = Object.keys(stored).filter((alg) => alg in sent);
    for (const alg of compared) {
      if (sent[alg] !== stored[alg]) {
        throw new DigestMismatchError(
          `the repository stored a binary whose ${alg} (${
            stored[alg]
          }) differs from the bytes sent (${sent[alg]}); the upload was corrupted, try again`,
          { method: "GET", uri: `${uri}/fcr:metadata` },
        );
      }
    }
    if (compared.length === 0) {
      const has = Object.keys(stored).join(", ") || "none";
      throw new RepositoryError(
        `the upload cannot be verified: the repository reports no digest this client computes (${
          Object.keys(STREAM_DIGESTS).join(", ")
        }; it reports: ${has}); give the file's SHA-256 with it, or ask the repository's administrator why its digests are missing`,
        { method: "GET", uri: `${uri}/fcr:metadata` },
      );
    }
    return { uri, sha256: sent["sha-256"], size, describedBy };
  }

  /** Replaces a container's triples (`PUT` with `Prefer: handling=lenient`). */
  async replaceGraph(
    uri: string,
    graph: readonly Quad[],
    ifUnchanged?: Precondition,
  ): Promise<void> {
    const headers: Record<string, string> = {
      "Content-Type": "text/turtle",
      Prefer: "handling=lenient; received=minimal",
    };
    Object.assign(headers, preconditionHeaders(ifUnchanged));
    const res = await this.#send("PUT", uri, {
      headers,
      body: turtleBody(this.#toServerQuads(graph)),
    });
    await res.discard();
  }

  /**
   * Changes triples with SPARQL Update (`PATCH`). For a binary, pass the URI
   * of its description (`…/fcr:metadata`).
   */
  async patch(uri: string, change: GraphChange, ifUnchanged?: Precondition): Promise<void> {
    const update = buildSparqlUpdate({
      deletes: this.#toServerQuads(change.deletes),
      inserts: this.#toServerQuads(change.inserts),
    });
    const headers: Record<string, string> = { "Content-Type": "application/sparql-update" };
    Object.assign(headers, preconditionHeaders(ifUnchanged));
    const res = await this.#send("PATCH", uri, { headers, body: update });
    await res.discard();
  }

  /** Deletes a resource; with `purge`, also removes its tombstone so the URI can be reused. */
  async delete(uri: string, options: { purge?: boolean } = {}): Promise<void> {
    const res = await this.#send("DELETE", uri);
    await res.discard();
    if (options.purge) {
      const tomb = await this.#send("DELETE", `${uri}/fcr:tombstone`, { acceptStatus: [404] });
      await tomb.discard();
    }
  }

  // ---- transactions ----------------------------------------------------------------------

  /** Starts a transaction and returns a client bound to it (commit/rollback through `transactionInUse`). */
  async beginTransaction(options: TransactionOptions = {}): Promise<RepositoryClient> {
    if (this.transactionInUse) {
      throw new RepositoryError("transactions cannot be nested", {
        method: "POST",
        uri: `${this.endpoint}/fcr:tx`,
      });
    }
    const tx = await Transaction.begin(this.#http, this.endpoint, options);
    const bound = new RepositoryClient(this.endpoint, "/", this.#http, tx);
    (bound as { baseContainer: string }).baseContainer = this.baseContainer;
    return bound;
  }

  /**
   * Runs `work` in a transaction: commits when it succeeds, rolls back when
   * it (or the commit, or a keep-alive) fails, and rethrows the failure.
   *
   * When the transaction fails while `work` runs (a keep-alive refused), this
   * rejects at once with the {@link TransactionError}, whatever `work` is
   * waiting for; `work` is abandoned (its later requests fail at once without
   * reaching the repository). `signal` is aborted then (and on rollback):
   * pass it to the work's own I/O so that it stops too.
   */
  async transaction<T>(
    work: (tx: RepositoryClient, signal: AbortSignal) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const bound = await this.beginTransaction(options);
    const tx = bound.transactionInUse!;
    try {
      const result = await untilAborted(() => work(bound, tx.signal), tx.signal);
      await tx.commit();
      return result;
    } catch (e) {
      await tx.rollback().catch(() => {/* the server discards it on timeout */});
      throw e;
    }
  }
}

/** Runs `work`, but rejects with the signal's reason as soon as `signal` aborts. */
function untilAborted<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    // The work's own outcome is still handled (so an abandoned one never goes unhandled).
    Promise.resolve().then(work).then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}
