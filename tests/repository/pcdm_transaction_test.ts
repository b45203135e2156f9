/**
 * A PCDM object built in one transaction against the real Fedora, read back
 * triple for triple and byte for byte.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createHash } from "node:crypto";
import { DataFactory } from "n3";
import type { Quad } from "n3";
import { ns, RDF_TYPE } from "../../src/rdf/namespaces.ts";
import { tripleKey } from "../../src/rdf/graph.ts";
import { type RepositoryClient, THIS_RESOURCE } from "../../src/repository/client.ts";
import { NotFoundError } from "../../src/repository/errors.ts";
import { fedoraStyle, FIXTURES, freshClient } from "./_fedora.ts";

const { namedNode, literal, quad } = DataFactory;

interface LocalFile {
  path: URL;
  contentType: string;
  filename: string;
  sha256: string;
  sha1: string;
}

async function localFile(relative: string, contentType: string): Promise<LocalFile> {
  const path = new URL(`import/files/${relative}`, FIXTURES);
  const hash = createHash("sha256");
  const sha1 = createHash("sha1");
  for await (const chunk of (await Deno.open(path)).readable) {
    hash.update(chunk);
    sha1.update(chunk);
  }
  return {
    path,
    contentType,
    filename: relative.split("/").pop()!,
    sha256: hash.digest("hex"),
    sha1: sha1.digest("hex"),
  };
}

async function sha256Of(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

function keys(quads: Quad[]): string[] {
  return quads.map(tripleKey).sort();
}

/** Expected triples per resource, filled in while building. */
type Expected = Map<string, Quad[]>;

function expect(expected: Expected, subject: string, p: Quad["predicate"], o: Quad["object"]) {
  const list = expected.get(subject) ?? [];
  list.push(quad(namedNode(subject), p, o));
  expected.set(subject, list);
}

async function buildObject(
  tx: RepositoryClient,
  files: LocalFile[],
  expected: Expected,
): Promise<{ object: string; binaries: Map<string, LocalFile> }> {
  const title = literal('Letter from "Jane" — page scans', "en");
  const object = await tx.createContainer({
    graph: [
      quad(THIS_RESOURCE, RDF_TYPE, ns.pcdm("Object")),
      quad(THIS_RESOURCE, ns.dcterms("title"), title),
    ],
  });
  expect(expected, object, RDF_TYPE, ns.pcdm("Object"));
  expect(expected, object, ns.dcterms("title"), title);
  await tx.createContainer({ uri: `${object}/m` });
  await tx.createContainer({ uri: `${object}/x` });

  const binaries = new Map<string, LocalFile>();
  const pages: string[] = [];
  for (const [i, file] of files.entries()) {
    const n = i + 1;
    const page = await tx.createContainer({
      parent: `${object}/m`,
      graph: [
        quad(THIS_RESOURCE, RDF_TYPE, ns.pcdm("Object")),
        quad(THIS_RESOURCE, RDF_TYPE, ns.fabio("Page")),
        quad(THIS_RESOURCE, ns.dcterms("title"), literal(`Page ${n}`)),
        quad(
          THIS_RESOURCE,
          ns.fabio("hasSequenceNumber"),
          literal(String(n), ns.xsd("integer")),
        ),
        quad(THIS_RESOURCE, ns.pcdm("memberOf"), namedNode(object)),
      ],
    });
    pages.push(page);
    expect(expected, page, RDF_TYPE, ns.pcdm("Object"));
    expect(expected, page, RDF_TYPE, ns.fabio("Page"));
    expect(expected, page, ns.dcterms("title"), literal(`Page ${n}`));
    expect(expected, page, ns.fabio("hasSequenceNumber"), literal(String(n), ns.xsd("integer")));
    expect(expected, page, ns.pcdm("memberOf"), namedNode(object));

    await tx.createContainer({ uri: `${page}/f` });
    const created = await tx.createBinary({
      parent: `${page}/f`,
      body: () => Deno.openSync(file.path).readable,
      contentType: file.contentType,
      filename: file.filename,
      sha256: file.sha256,
    });
    binaries.set(created.uri, file);
    const description = (await tx.head(created.uri)).describedBy!;
    const fileTriples = [
      quad(namedNode(created.uri), RDF_TYPE, ns.pcdm("File")),
      quad(namedNode(created.uri), ns.ebucore("filename"), literal(file.filename)),
      quad(namedNode(created.uri), ns.pcdm("fileOf"), namedNode(page)),
    ];
    await tx.patch(description, { deletes: [], inserts: fileTriples });
    expected.set(created.uri, fileTriples);
    await tx.patch(page, {
      deletes: [],
      inserts: [quad(namedNode(page), ns.pcdm("hasFile"), namedNode(created.uri))],
    });
    expect(expected, page, ns.pcdm("hasFile"), namedNode(created.uri));
  }

  const proxies: string[] = [];
  for (const page of pages) {
    const proxy = await tx.createContainer({
      parent: `${object}/x`,
      graph: [
        quad(THIS_RESOURCE, RDF_TYPE, ns.ore("Proxy")),
        quad(THIS_RESOURCE, ns.ore("proxyFor"), namedNode(page)),
        quad(THIS_RESOURCE, ns.ore("proxyIn"), namedNode(object)),
      ],
    });
    proxies.push(proxy);
    expect(expected, proxy, RDF_TYPE, ns.ore("Proxy"));
    expect(expected, proxy, ns.ore("proxyFor"), namedNode(page));
    expect(expected, proxy, ns.ore("proxyIn"), namedNode(object));
  }
  for (const [i, proxy] of proxies.entries()) {
    const inserts: Quad[] = [];
    if (i > 0) inserts.push(quad(namedNode(proxy), ns.iana("prev"), namedNode(proxies[i - 1])));
    if (i < proxies.length - 1) {
      inserts.push(quad(namedNode(proxy), ns.iana("next"), namedNode(proxies[i + 1])));
    }
    await tx.patch(proxy, { deletes: [], inserts });
    for (const t of inserts) expect(expected, proxy, t.predicate, t.object);
  }
  const objectInserts = [
    ...pages.map((p) => quad(namedNode(object), ns.pcdm("hasMember"), namedNode(p))),
    quad(namedNode(object), ns.iana("first"), namedNode(proxies[0])),
    quad(namedNode(object), ns.iana("last"), namedNode(proxies[proxies.length - 1])),
  ];
  await tx.patch(object, { deletes: [], inserts: objectInserts });
  for (const t of objectInserts) expect(expected, object, t.predicate, t.object);
  return { object, binaries };
}

/** The user triples of a resource: what is left after asking Fedora to omit server-managed ones. */
function userTriples(graph: Quad[], subject: string): Quad[] {
  return graph.filter((q) =>
    q.subject.value === subject && q.predicate.value !== ns.ldp("contains").value &&
    !(q.predicate.equals(RDF_TYPE) && q.object.value.startsWith("http://www.w3.org/ns/ldp#")) &&
    !(q.predicate.equals(RDF_TYPE) &&
      q.object.value.startsWith("http://fedora.info/definitions/v4/repository#"))
  );
}

Deno.test("a PCDM object with two pages, files and proxies is created in one transaction and reads back the same", async () => {
  const repo = await freshClient();
  try {
    const files = [
      await localFile("doc-001/doc-001-0001.tif", "image/tiff"),
      await localFile("doc-001/doc-001.pdf", "application/pdf"),
    ];
    const expected: Expected = new Map();
    let inside = "";
    const { object, binaries } = await repo.transaction(async (tx) => {
      const built = await buildObject(tx, files, expected);
      inside = built.object;
      // Not visible outside the transaction before the commit.
      const outside = await repo.exists(built.object);
      assertEquals(outside, false, "uncommitted object must not be visible outside");
      return built;
    });
    assertEquals(object, inside);
    assert(object.startsWith(repo.baseContainer + "/"), `${object} under ${repo.baseContainer}`);
    assertEquals(expected.size, 1 + 2 + 2 + 2); // object, pages, files, proxies

    for (const [subject, triples] of expected) {
      // Everything written is there …
      const full = await repo.getGraph(subject);
      const fullKeys = new Set(keys(full.graph));
      for (const t of keys(triples)) assert(fullKeys.has(t), `${subject} has ${t}`);
      // … and the user triples (server-managed ones omitted through Prefer) are exactly those
      // written; a binary's ebucore:filename and ebucore:hasMimeType come from its upload
      // headers and are server-managed on Fedora 6, not on Fedora 4, so they are left out.
      const resource = await repo.getGraph(subject, { omitServerManaged: true });
      assertEquals(
        keys(
          userTriples(resource.graph, subject).filter((t) =>
            !binaries.has(subject) || !t.predicate.value.startsWith(ns.ebucore("").value)
          ),
        ),
        keys(
          triples.filter((t) =>
            !binaries.has(subject) || !t.predicate.equals(ns.ebucore("filename"))
          ),
        ),
        `user triples of ${subject}`,
      );
      assert(resource.etag, `ETag of ${subject}`);
      assert(resource.lastModified, `Last-Modified of ${subject}`);
    }

    const style = await fedoraStyle(repo);
    for (const [uri, file] of binaries) {
      const download = await repo.getBinary(uri, { fixity: true });
      // Fedora 6 recomputes the digest on Want-Digest (Fedora 4.7 does not know the header).
      if (style === "fedora6" || download.sha256 !== undefined) {
        assertEquals(download.sha256, file.sha256, "digest recomputed by Fedora");
      }
      // The digest Fedora stored: the SHA-256 sent (6.x) or its own SHA-1 (4.x).
      const stored = await repo.storedDigests(uri);
      if (stored["sha-256"]) assertEquals(stored["sha-256"], file.sha256, "SHA-256 stored");
      else assertEquals(stored["sha1"], file.sha1, "SHA-1 stored");
      assertEquals(download.contentType, file.contentType);
      assertEquals(await sha256Of(download.body), file.sha256, "bytes read back");
      assertEquals(download.contentLength, (await Deno.stat(file.path)).size);
      const head = await repo.head(uri);
      assert(head.isBinary);
      assertEquals(head.describedBy, `${uri}/fcr:metadata`);
    }

    // Traversal: ldp:contains from the object reaches every resource built.
    const reached = new Set<string>();
    for await (const r of repo.walk(object)) reached.add(r.uri);
    for (const subject of expected.keys()) assert(reached.has(subject), `walk reaches ${subject}`);
    // Traversal along given predicates: object → pages (hasMember) → files (hasFile).
    const members: string[] = [];
    for await (
      const r of repo.walk(object, [ns.pcdm("hasMember").value, ns.pcdm("hasFile").value])
    ) members.push(r.uri);
    assertEquals(members.length, 1 + 2 + 2);
    assertEquals(
      new Set(members),
      new Set([
        object,
        ...binaries.keys(),
        ...[...expected.keys()].filter((k) => k.includes("/m/")),
      ]),
    );
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("an upload without a known digest is hashed while streaming and checked against Fedora's", async () => {
  const repo = await freshClient();
  try {
    const file = await localFile("doc-001/doc-001-0001.png", "image/png");
    const created = await repo.createBinary({
      body: (await Deno.open(file.path)).readable,
      contentType: file.contentType,
      filename: 'naïve name "quoted".png',
    });
    assertEquals(created.sha256, file.sha256);
    assertEquals(created.size, (await Deno.stat(file.path)).size);
    // Fedora keeps its own digest of the bytes (SHA-512 on 6.x, SHA-1 on 4.x), which the
    // client compared with its own.
    const stored = await repo.storedDigests(created.uri);
    assert(stored["sha-512"] ?? stored["sha1"], `stored digests: ${JSON.stringify(stored)}`);
    const download = await repo.getBinary(created.uri);
    assertEquals(await sha256Of(download.body), file.sha256);
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("a wrong Digest is refused by Fedora and nothing is stored", async () => {
  const repo = await freshClient();
  try {
    const uri = `${repo.baseContainer}/wrong-digest`;
    const err = await repo.createBinary({
      uri,
      body: new TextEncoder().encode("some bytes"),
      contentType: "text/plain",
      sha256: "0".repeat(64),
    }).then(() => undefined, (e) => e);
    assert(err instanceof Error && "status" in err, `expected a RepositoryError, got ${err}`);
    assertEquals((err as { status: number }).status, 409);
    const missing = await repo.head(uri).then(() => undefined, (e) => e);
    assert(missing instanceof NotFoundError, `expected NotFoundError, got ${missing}`);
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("a new binary's description link comes with the answer that created it", async () => {
  const repo = await freshClient();
  try {
    const container = await repo.createContainer({});
    const made = await repo.createBinary({
      parent: container,
      body: new TextEncoder().encode("described"),
      contentType: "text/plain",
      filename: "described.txt",
    });
    assert(made.describedBy, "describedby link in the creation's answer");
    assertEquals(made.describedBy, (await repo.head(made.uri)).describedBy);
  } finally {
    repo.close();
  }
});
