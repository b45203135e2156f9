/**
 * Writes one new object the way SPEC §5 lays it out, inside the caller's
 * transaction: the object (`pcdm:Object` plus the model's types), its pages
 * under `<object>/m` (`fabio:Page`, title, sequence number, `pcdm:memberOf`),
 * each page's files under `<page>/f` (`pcdm:File`, `ebucore:filename`, MIME
 * type), the object's own files under `<object>/f`, and ORE proxies under
 * `<object>/x` (`iana:first`/`iana:last` on the object, `iana:prev`/`iana:next`
 * between proxies). Every path is chosen here and created with `PUT`.
 *
 * @module
 */
import { DataFactory, type Quad } from "n3";
import type { PageGroup } from "../../csv/files.ts";
import { PREFIXES } from "../../rdf/namespaces.ts";
import type { RepositoryClient } from "../../repository/client.ts";
import type { BinarySource } from "../../transfer/binary_source.ts";

const { namedNode, literal, quad } = DataFactory;
const term = (prefix: keyof typeof PREFIXES & string, local: string) =>
  namedNode(PREFIXES[prefix] + local);
const RDF_TYPE = term("rdf", "type");

/** What to create. */
export interface NewObject {
  /** The minted URI of the object. */
  uri: string;
  /** The object's own triples (from the row), subject `uri` and its hash resources. */
  metadata: readonly Quad[];
  pages: readonly PageGroup[];
  itemFiles: readonly string[];
  /** Extra `rdf:type`, from the `access` argument. */
  accessType?: string;
  /** `pcdm:memberOf`, from the `member-of` argument. */
  memberOf?: string;
}

/** What was created. */
export interface CreatedObject {
  uri: string;
  pages: string[];
  /** Binaries uploaded. */
  files: number;
}

/** Pages written at once inside one object's transaction. */
const PAGE_CONCURRENCY = 6;

/** Runs `tasks` with at most `limit` at a time; rejects with the first failure (after the others settle). */
async function inPool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < tasks.length && failure === undefined) {
      const task = tasks[next++];
      try {
        await task();
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure !== undefined) throw failure;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Creates `object` with `tx` (a client bound to a transaction); `source`
 * gives the binaries. Throws on the first failure: the caller rolls back.
 * Stops when `jobSignal` aborts, or when the transaction fails (its own signal).
 */
export async function createObject(
  tx: RepositoryClient,
  object: NewObject,
  source: BinarySource | undefined,
  jobSignal?: AbortSignal,
): Promise<CreatedObject> {
  const txSignal = tx.transactionInUse?.signal;
  const signals = [jobSignal, txSignal].filter((x): x is AbortSignal => x !== undefined);
  const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
  const s = namedNode(object.uri);
  const pageUris = object.pages.map((_, i) => `${object.uri}/m/page-${i + 1}`);
  const proxyUris = object.pages.map((_, i) => `${object.uri}/x/proxy-${i + 1}`);
  const itemFileUris = object.itemFiles.map((_, i) => `${object.uri}/f/file-${i + 1}`);
  if ((object.pages.length > 0 || object.itemFiles.length > 0) && !source) {
    throw new Error("the row lists files but the job has no binaries-location");
  }

  const graph: Quad[] = [...object.metadata];
  if (object.accessType) graph.push(quad(s, RDF_TYPE, namedNode(object.accessType)));
  if (object.memberOf) graph.push(quad(s, term("pcdm", "memberOf"), namedNode(object.memberOf)));
  for (const page of pageUris) graph.push(quad(s, term("pcdm", "hasMember"), namedNode(page)));
  for (const file of itemFileUris) graph.push(quad(s, term("pcdm", "hasFile"), namedNode(file)));
  if (proxyUris.length > 0) {
    graph.push(quad(s, term("iana", "first"), namedNode(proxyUris[0])));
    graph.push(quad(s, term("iana", "last"), namedNode(proxyUris[proxyUris.length - 1])));
  }
  await tx.createContainer({ uri: object.uri, graph });

  let descriptionSuffix: Promise<string> | undefined;
  let files = 0;
  const upload = async (path: string, uri: string) => {
    signal?.throwIfAborted();
    const binary = await source!.get(path);
    const created = await tx.createBinary({
      uri,
      body: binary.body,
      contentType: binary.contentType,
      filename: fileName(path),
      sha256: binary.sha256,
    });
    // The description's link comes with the creation's answer. Where it does
    // not, it is learnt from a HEAD, once: Fedora 6 sometimes fails
    // concurrent HEADs of new binaries with 500 (IllegalStateException in
    // its header encoder).
    const description = created.describedBy ??
      `${uri}${await (descriptionSuffix ??= tx.head(uri).then(({ describedBy }) =>
        describedBy?.startsWith(uri) ? describedBy.slice(uri.length) : "/fcr:metadata"
      ))}`;
    await tx.patch(description, {
      deletes: [],
      inserts: [
        quad(namedNode(uri), RDF_TYPE, term("pcdm", "File")),
        quad(namedNode(uri), term("ebucore", "filename"), literal(fileName(path))),
      ],
    });
    files++;
  };

  if (object.pages.length > 0) {
    await tx.createContainer({ uri: `${object.uri}/m` });
    await tx.createContainer({ uri: `${object.uri}/x` });
  }
  const writePage = async (page: PageGroup, i: number) => {
    signal?.throwIfAborted();
    const p = namedNode(pageUris[i]);
    const fileUris = page.files.map((_, n) => `${pageUris[i]}/f/file-${n + 1}`);
    await tx.createContainer({
      uri: pageUris[i],
      graph: [
        quad(p, RDF_TYPE, term("pcdm", "Object")),
        quad(p, RDF_TYPE, term("fabio", "Page")),
        quad(p, term("dcterms", "title"), literal(page.label ?? `Page ${i + 1}`)),
        quad(p, term("fabio", "hasSequenceNumber"), literal(String(i + 1), term("xsd", "integer"))),
        quad(p, term("pcdm", "memberOf"), s),
        ...fileUris.map((f) => quad(p, term("pcdm", "hasFile"), namedNode(f))),
      ],
    });
    await tx.createContainer({ uri: `${pageUris[i]}/f` });
    for (const [n, path] of page.files.entries()) await upload(path, fileUris[n]);
    const x = namedNode(proxyUris[i]);
    const proxy = [
      quad(x, RDF_TYPE, term("ore", "Proxy")),
      quad(x, term("ore", "proxyFor"), p),
      quad(x, term("ore", "proxyIn"), s),
    ];
    if (i > 0) proxy.push(quad(x, term("iana", "prev"), namedNode(proxyUris[i - 1])));
    if (i < proxyUris.length - 1) {
      proxy.push(quad(x, term("iana", "next"), namedNode(proxyUris[i + 1])));
    }
    await tx.createContainer({ uri: proxyUris[i], graph: proxy });
  };
  await inPool(object.pages.map((page, i) => () => writePage(page, i)), PAGE_CONCURRENCY);
  if (itemFileUris.length > 0) {
    await tx.createContainer({ uri: `${object.uri}/f` });
    for (const [n, path] of object.itemFiles.entries()) await upload(path, itemFileUris[n]);
  }
  return { uri: object.uri, pages: pageUris, files };
}
