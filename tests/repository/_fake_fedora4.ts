/**
 * A small stand-in for Fedora 4.7's transaction protocol, for the client
 * tests where no real Fedora 4 runs: `POST /rest/fcr:tx` answers
 * `Location: …/rest/tx:<id>`, and everything inside a transaction is served
 * under that prefix — `Location`, `Link rel="describedby"` and RDF subjects
 * and objects all carry it, as Fedora 4 gives them. It records each request
 * (method, path, body) so a test can see where the client sent what.
 *
 * Just enough LDP for the test: containers from Turtle (`POST` with `Slug`,
 * `PUT`), binaries (`PUT` with any other type; SHA-1 kept as
 * `premis:hasMessageDigest`), `GET`/`HEAD`, `PATCH` (recorded, not applied),
 * keep-alive `POST <tx>/fcr:tx`, `POST <tx>/fcr:tx/fcr:commit` and
 * `…/fcr:rollback`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { DataFactory, Parser, type Quad, type Term, Writer } from "n3";
import { PREFIXES } from "../../src/rdf/namespaces.ts";

/** One request the fake received. */
export interface FakeRequest {
  method: string;
  /** The path, e.g. `/rest/tx:1/obj`. */
  path: string;
  /** The body as text ("" when none). */
  body: string;
}

interface Resource {
  binary?: { bytes: Uint8Array<ArrayBuffer>; contentType: string; sha1: string };
  /** Triples with the resource's URI outside any transaction as subject. */
  graph: Quad[];
}

const LDP = PREFIXES.ldp;
const { namedNode, quad, literal } = DataFactory;

/** The fake server; see the module documentation. */
export class FakeFedora4 {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #resources = new Map<string, Resource>();
  #nextTx = 1;
  /** Transactions begun, by id, and what became of them. */
  readonly transactions = new Map<string, "open" | "committed" | "rolled-back">();
  /** Every request, in order. */
  readonly requests: FakeRequest[] = [];

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
  }

  /** The REST endpoint, e.g. `http://127.0.0.1:40123/rest`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.#server.addr.port}/rest`;
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const body = req.body ? new Uint8Array(await req.arrayBuffer()) : new Uint8Array();
    this.requests.push({
      method: req.method,
      path: url.pathname,
      body: new TextDecoder().decode(body),
    });
    const endpoint = this.endpoint;
    const m = /^\/rest(?:\/(tx:[^/]+))?(\/.*)?$/.exec(url.pathname);
    if (!m) return new Response("not under /rest", { status: 404 });
    const txId = m[1];
    const rest = (m[2] ?? "").replace(/\/$/, "");
    // The prefix URIs are served under, and its removal (what the fake stores).
    const prefix = txId ? `${endpoint}/${txId}` : endpoint;
    const toTx = (uri: string) =>
      uri.startsWith(endpoint) ? prefix + uri.slice(endpoint.length) : uri;
    const fromTx = (uri: string) =>
      uri.startsWith(prefix) ? endpoint + uri.slice(prefix.length) : uri;

    if (!txId && rest === "/fcr:tx" && req.method === "POST") {
      const id = `tx:${this.#nextTx++}`;
      this.transactions.set(id, "open");
      return new Response(null, { status: 201, headers: { Location: `${endpoint}/${id}` } });
    }
    if (txId) {
      const state = this.transactions.get(txId);
      if (state !== "open") return new Response(`no open transaction ${txId}`, { status: 410 });
      if (rest === "/fcr:tx" && req.method === "POST") return new Response(null, { status: 204 });
      if (rest === "/fcr:tx/fcr:commit" && req.method === "POST") {
        this.transactions.set(txId, "committed");
        return new Response(null, { status: 204 });
      }
      if (rest === "/fcr:tx/fcr:rollback" && req.method === "POST") {
        this.transactions.set(txId, "rolled-back");
        return new Response(null, { status: 204 });
      }
    }

    const metadata = rest.endsWith("/fcr:metadata");
    const uri = endpoint + (metadata ? rest.slice(0, -"/fcr:metadata".length) : rest);
    const resource = this.#resources.get(uri);
    switch (req.method) {
      case "POST": {
        if (!resource) return new Response("no parent", { status: 404 });
        const slug = req.headers.get("Slug") ?? crypto.randomUUID();
        return this.#create(`${uri}/${slug}`, req, body, toTx, fromTx);
      }
      case "PUT":
        return this.#create(uri, req, body, toTx, fromTx);
      case "PATCH":
        return new Response(null, { status: resource ? 204 : 404 });
      case "HEAD":
      case "GET": {
        if (!resource) return new Response("not found", { status: 404 });
        const headers = new Headers();
        if (resource.binary && !metadata) {
          headers.append("Link", `<${LDP}NonRDFSource>;rel="type"`);
          headers.append("Link", `<${toTx(uri)}/fcr:metadata>; rel="describedby"`);
          headers.set("Content-Type", resource.binary.contentType);
          // Fedora 4 answers an RDF Accept on a binary with its bytes.
          return new Response(req.method === "GET" ? resource.binary.bytes : null, { headers });
        }
        headers.append("Link", `<${LDP}RDFSource>;rel="type"`);
        headers.append("Link", `<${LDP}Container>;rel="type"`);
        headers.set("Content-Type", "application/n-triples");
        headers.set("ETag", `W/"${crypto.randomUUID()}"`);
        const graph = [...resource.graph];
        for (const child of this.#resources.keys()) {
          if (child.startsWith(uri + "/") && !child.slice(uri.length + 1).includes("/")) {
            graph.push(quad(namedNode(uri), namedNode(LDP + "contains"), namedNode(child)));
          }
        }
        const map = (t: Term): Term => t.termType === "NamedNode" ? namedNode(toTx(t.value)) : t;
        const writer = new Writer({ format: "N-Triples" });
        const text = graph.map((q) =>
          writer.quadToString(
            map(q.subject) as Quad["subject"],
            map(q.predicate) as Quad["predicate"],
            map(q.object) as Quad["object"],
          )
        ).join("");
        return new Response(req.method === "GET" ? text : null, { headers });
      }
      default:
        return new Response("method not allowed", { status: 405 });
    }
  }

  #create(
    uri: string,
    req: Request,
    body: Uint8Array<ArrayBuffer>,
    toTx: (uri: string) => string,
    fromTx: (uri: string) => string,
  ): Response {
    const contentType = req.headers.get("Content-Type") ?? "application/octet-stream";
    const resource: Resource = { graph: [] };
    if (contentType.startsWith("text/turtle")) {
      const parsed = new Parser({ baseIRI: toTx(uri) }).parse(new TextDecoder().decode(body));
      const map = (t: Term): Term => t.termType === "NamedNode" ? namedNode(fromTx(t.value)) : t;
      resource.graph = parsed.map((q) =>
        quad(
          map(q.subject) as Quad["subject"],
          map(q.predicate) as Quad["predicate"],
          map(q.object) as Quad["object"],
        )
      );
    } else {
      const sha1 = createHash("sha1").update(body).digest("hex");
      resource.binary = { bytes: body, contentType, sha1 };
      resource.graph = [
        quad(
          namedNode(uri),
          namedNode(PREFIXES.premis + "hasMessageDigest"),
          namedNode(`urn:sha1:${sha1}`),
        ),
        quad(namedNode(uri), namedNode(PREFIXES.ebucore + "hasMimeType"), literal(contentType)),
      ];
    }
    this.#resources.set(uri, resource);
    return new Response(toTx(uri), { status: 201, headers: { Location: toTx(uri) } });
  }

  /** Adds a container outside any transaction (e.g. the base container). */
  seed(uri: string): void {
    this.#resources.set(uri, { graph: [] });
  }
}
