/**
 * What one exported object consists of, read from the repository: the
 * object's triples, its pages in the order of the ORE proxy chain, the files
 * of each page and the files of the object itself.
 *
 * @module
 */
import type { Quad } from "n3";
import { outsideRepositoryReason } from "../../models/validate.ts";
import { PREFIXES } from "../../rdf/namespaces.ts";
import type { RepositoryClient, ResourceDescription } from "../../repository/client.ts";
import { type BinaryReader, parseStoredDigest, type StoredDigest } from "./binary_reader.ts";

const RDF_TYPE = PREFIXES.rdf + "type";
const IANA_FIRST = PREFIXES.iana + "first";
const IANA_NEXT = PREFIXES.iana + "next";
const ORE_PROXY_FOR = PREFIXES.ore + "proxyFor";
const PCDM_HAS_MEMBER = PREFIXES.pcdm + "hasMember";
const PCDM_MEMBER_OF = PREFIXES.pcdm + "memberOf";
const PCDM_HAS_FILE = PREFIXES.pcdm + "hasFile";
const LDP_CONTAINS = PREFIXES.ldp + "contains";
const EBUCORE_FILENAME = PREFIXES.ebucore + "filename";
const EBUCORE_MIME = PREFIXES.ebucore + "hasMimeType";
const FABIO_PAGE = PREFIXES.fabio + "Page";
const FABIO_SEQUENCE = PREFIXES.fabio + "hasSequenceNumber";
const PREMIS_DIGEST = PREFIXES.premis + "hasMessageDigest";

/** A binary of an object or a page. */
export interface FileInfo {
  uri: string;
  /** `ebucore:filename`, else the last segment of the URI. */
  filename: string;
  /** The MIME type (without parameters), lower case. */
  mimeType: string;
  /** The triples of its description. */
  graph: Quad[];
  /** The digest stored in its description (`premis:hasMessageDigest`), when any. */
  digest?: StoredDigest;
}

/** A page and its files. */
export interface PageInfo {
  uri: string;
  /** `rdfs:label`/`dcterms:title` of the page, when it has one. */
  label?: string;
  graph: Quad[];
  files: FileInfo[];
}

/** Everything an export needs of one object. */
export interface ObjectStructure {
  uri: string;
  /** The object's triples (hash resources included). */
  graph: Quad[];
  /** `rdf:type` IRIs of the object. */
  types: string[];
  /** Headers of the object read. */
  description: ResourceDescription;
  pages: PageInfo[];
  /** Files attached to the object itself. */
  files: FileInfo[];
  /** Triples of the proxies (ordering), for RDF exports. */
  proxyGraph: Quad[];
}

function objectsOf(graph: readonly Quad[], subject: string, predicate: string): string[] {
  return graph
    .filter((q) =>
      q.subject.value === subject && q.predicate.value === predicate &&
      q.object.termType === "NamedNode"
    )
    .map((q) => q.object.value);
}

function literalOf(
  graph: readonly Quad[],
  subject: string,
  predicates: string[],
): string | undefined {
  for (const p of predicates) {
    const q = graph.find((q) => q.subject.value === subject && q.predicate.value === p);
    if (q) return q.object.value;
  }
  return undefined;
}

/**
 * `link` (what `uri` points at as its `role`), checked to be in the
 * repository before it is requested: the repository's credentials go with
 * every request, so a triple pointing elsewhere is never followed.
 *
 * @throws {Error} naming the link when it leaves the repository.
 */
function followable(repo: RepositoryClient, uri: string, role: string, link: string): string {
  const outside = outsideRepositoryReason(link, repo.endpoint);
  if (outside) {
    throw new Error(
      `its ${role} ${link} is not in this repository (the URI ${outside}); ` +
        `fix the link on ${uri} in the repository`,
    );
  }
  return link;
}

/**
 * Read the structure of the object at `uri`; with `objectOnly`, just the
 * object itself (no pages, files or proxies: what a CSV export without
 * binaries needs).
 *
 * @throws the repository client's errors (`NotFoundError`, `GoneError`, …) unchanged.
 */
export async function readObjectStructure(
  repo: RepositoryClient,
  binaries: BinaryReader,
  uri: string,
  signal?: AbortSignal,
  { objectOnly = false }: { objectOnly?: boolean } = {},
): Promise<ObjectStructure> {
  const resource = await repo.getGraph(uri);
  const graph = resource.graph;
  const types = objectsOf(graph, uri, RDF_TYPE);
  if (objectOnly) {
    const { graph: _graph, ...description } = resource;
    return { uri, graph, types, description, pages: [], files: [], proxyGraph: [] };
  }
  const proxyGraph: Quad[] = [];
  // The object's own files are read while the proxy chain is followed; the
  // pages and their files then all at once (the client's pool bounds how
  // many requests are in flight), kept in chain order.
  const ownFiles = filesOf(repo, binaries, uri, graph, signal);
  ownFiles.catch(() => {}); // awaited below
  const pageUris = await orderedPages(repo, uri, graph, proxyGraph, signal);
  const pages = await Promise.all(pageUris.map(async (pageUri): Promise<PageInfo> => {
    signal?.throwIfAborted();
    const page = await repo.getGraph(followable(repo, uri, "page", pageUri));
    return {
      uri: pageUri,
      label: literalOf(page.graph, pageUri, [
        PREFIXES.rdfs + "label",
        PREFIXES.dcterms + "title",
      ]),
      graph: page.graph,
      files: await filesOf(repo, binaries, pageUri, page.graph, signal),
    };
  }));
  const files = await ownFiles;
  const { graph: _graph, ...description } = resource;
  return { uri, graph, types, description, pages, files, proxyGraph };
}

/** Pages along `iana:first`/`iana:next`; without proxies, `pcdm:hasMember` by sequence number. */
async function orderedPages(
  repo: RepositoryClient,
  uri: string,
  graph: readonly Quad[],
  proxyGraph: Quad[],
  signal?: AbortSignal,
): Promise<string[]> {
  const pages: string[] = [];
  const seen = new Set<string>();
  let proxy = objectsOf(graph, uri, IANA_FIRST)[0];
  while (proxy && !seen.has(proxy)) {
    signal?.throwIfAborted();
    seen.add(proxy);
    const resource = await repo.getGraph(followable(repo, uri, "ORE proxy", proxy));
    proxyGraph.push(...resource.graph);
    const page = objectsOf(resource.graph, proxy, ORE_PROXY_FOR)[0];
    if (page && !pages.includes(page)) pages.push(page);
    proxy = objectsOf(resource.graph, proxy, IANA_NEXT)[0];
  }
  if (pages.length > 0) return pages;
  const members = objectsOf(graph, uri, PCDM_HAS_MEMBER);
  if (members.length === 0) return [];
  const withOrder: { uri: string; seq: number }[] = [];
  for (const member of members) {
    // a member elsewhere is not one of this object's pages
    if (outsideRepositoryReason(member, repo.endpoint)) continue;
    const resource = await repo.getGraph(member);
    const isPage = objectsOf(resource.graph, member, RDF_TYPE).includes(FABIO_PAGE) ||
      objectsOf(resource.graph, member, PCDM_MEMBER_OF).includes(uri);
    if (!isPage) continue;
    const seq = Number(literalOf(resource.graph, member, [FABIO_SEQUENCE]) ?? Infinity);
    withOrder.push({ uri: member, seq: Number.isFinite(seq) ? seq : Infinity });
  }
  return withOrder.sort((a, b) => a.seq - b.seq).map((p) => p.uri);
}

/** Files by `pcdm:hasFile`, and the binaries in the resource's `/f` container. */
async function filesOf(
  repo: RepositoryClient,
  binaries: BinaryReader,
  uri: string,
  graph: readonly Quad[],
  signal?: AbortSignal,
): Promise<FileInfo[]> {
  const uris = objectsOf(graph, uri, PCDM_HAS_FILE);
  if (uris.length === 0) {
    const container = objectsOf(graph, uri, LDP_CONTAINS).find((c) => c === `${uri}/f`);
    if (container) uris.push(...(await repo.children(container)));
  }
  const read = await Promise.all(uris.map(async (fileUri): Promise<FileInfo | undefined> => {
    signal?.throwIfAborted();
    // HEAD first: a GET of a binary would start downloading it.
    const head = await binaries.head(followable(repo, uri, "file", fileUri));
    if (!head.isBinary) return undefined;
    const graph = head.describedBy
      ? (await repo.getGraph(followable(repo, fileUri, "description", head.describedBy))).graph
      : [];
    const filename = literalOf(graph, fileUri, [EBUCORE_FILENAME]) ??
      decodeURIComponent(fileUri.split("/").pop() ?? "file");
    const mime = literalOf(graph, fileUri, [EBUCORE_MIME]) ?? head.contentType ??
      "application/octet-stream";
    return {
      uri: fileUri,
      filename,
      mimeType: mime.split(";")[0].trim().toLowerCase(),
      graph,
      digest: graph
        .filter((q) => q.subject.value === fileUri && q.predicate.value === PREMIS_DIGEST)
        .map((q) => parseStoredDigest(q.object.value))
        .find((d) => d !== undefined),
    };
  }));
  const files = read.filter((file): file is FileInfo => file !== undefined);
  return files.sort((a, b) => a.filename.localeCompare(b.filename, "en", { numeric: true }));
}
