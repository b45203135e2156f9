/**
 * SPARQL Update built from RDF terms: escaping checked by parsing the
 * output back with a real parser, and a round trip through the real Fedora.
 */
import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { DataFactory, Parser } from "n3";
import type { Quad } from "n3";
import { tripleKey } from "../../src/rdf/graph.ts";
import { ns } from "../../src/rdf/namespaces.ts";
import {
  buildSparqlUpdate,
  sparqlIri,
  sparqlString,
  sparqlTerm,
  SparqlTermError,
} from "../../src/rdf/sparql_update.ts";
import { fedoraStyle, freshClient } from "../repository/_fedora.ts";

const { namedNode, literal, quad, blankNode } = DataFactory;

/** Values that break naive string concatenation. */
const NASTY = [
  'He said "hi"',
  "two\nlines\r\nand a tab\t.",
  "a > b < c",
  "back\\slash \\n not a newline",
  "Ünïcödé — 日本語の題名 🐢",
  '\' single \' quotes and """ triple',
  "} . DROP ALL ; INSERT DATA { <x> <y> <z> }",
  "\u0001 control \u007f",
  "",
];

function values(subject: string): Quad[] {
  const s = namedNode(subject);
  return [
    ...NASTY.map((v) => quad(s, ns.dcterms("description"), literal(v))),
    quad(s, ns.dcterms("title"), literal("Titre « français »", "fr")),
    quad(s, ns.dcterms("title"), literal("題名", "ja")),
    quad(s, ns.dcterms("title"), literal('Title with "quote"', "en-US")),
    quad(s, ns.dcterms("date"), literal("194X", namedNode("http://id.loc.gov/datatypes/edtf"))),
    quad(s, ns.dcterms("subject"), namedNode("http://example.org/a%20b/ü?x=1#frag")),
  ];
}

function keys(quads: Quad[]): string[] {
  return quads.map(tripleKey).sort();
}

Deno.test("every term written into SPARQL parses back to the same term", () => {
  const quads = values("http://example.org/thing");
  // The triple syntax of SPARQL and Turtle is the same: parse each INSERT line as Turtle.
  const update = buildSparqlUpdate({ deletes: [], inserts: quads });
  const body = update.slice(update.indexOf("INSERT {") + 8, update.lastIndexOf("}\nWHERE"));
  const parsed = new Parser({ format: "Turtle" }).parse(body);
  assertEquals(keys(parsed), keys(quads));
});

Deno.test("IRIs with characters an IRI cannot hold are refused, strings are escaped", () => {
  for (const bad of ["http://x/a b", "http://x/a>b", 'http://x/"', "http://x/\\", "http://x/{}"]) {
    throws(() => sparqlIri(bad), (e) => e instanceof SparqlTermError && e.message.includes(bad));
  }
  throws(() =>
    buildSparqlUpdate({
      deletes: [],
      inserts: [quad(namedNode("http://x/> . } ; DROP ALL #"), ns.dcterms("title"), literal("t"))],
    }), (e) => e instanceof SparqlTermError);
  assertEquals(sparqlIri("http://x/ü?a=1#f"), "<http://x/ü?a=1#f>");
  assertEquals(sparqlString('a"b\\c\n'), '"a\\"b\\\\c\\n"');
});

Deno.test("a malformed language tag is refused", () => {
  const bad = { ...literal("x", "en"), language: 'en" } DROP ALL', termType: "Literal" as const };
  throws(() => sparqlTerm(bad as ReturnType<typeof literal>), (e) => e instanceof SparqlTermError);
  throws(() => sparqlTerm(literal("x", "en us")), (e) => e instanceof SparqlTermError);
});

Deno.test("blank nodes being deleted become variables matched in WHERE", () => {
  const s = namedNode("http://example.org/s");
  const b = blankNode("n1");
  const update = buildSparqlUpdate({
    deletes: [quad(s, ns.dcterms("subject"), b), quad(b, ns.rdfs("label"), literal("x"))],
    inserts: [],
  });
  assert(!update.includes("_:"), update);
  assert(/DELETE \{[^}]*\?b_n1[^}]*\}\s*WHERE \{[^}]*\?b_n1/.test(update), update);
});

Deno.test("SPARQL Update with quotes, newlines, >, \\, non-ASCII and language tags round-trips through Fedora", async () => {
  const repo = await freshClient();
  try {
    const uri = await repo.createContainer({ slug: "sparql" });
    const written = values(uri);
    await repo.patch(uri, { deletes: [], inserts: written });
    const read = await repo.getGraph(uri, { omitServerManaged: true });
    const mine = read.graph.filter((q) => q.predicate.value.startsWith(ns.dcterms("").value));
    assertEquals(keys(mine), keys(written));

    // Deleting by the same terms removes exactly them.
    const [first, second, ...rest] = written;
    await repo.patch(uri, { deletes: [first, second], inserts: [] }, read);
    if ((await fedoraStyle(repo)) === "fedora6") {
      // Fedora 6: a stale state token is refused (someone changed the resource meanwhile).
      assert(read.stateToken, "Fedora 6 gives an X-State-Token");
      const stale = await repo.patch(uri, { deletes: [], inserts: [first] }, read)
        .then(() => undefined, (e) => e);
      assertEquals((stale as { status?: number })?.status, 412);
    }
    const after = await repo.getGraph(uri, { omitServerManaged: true });
    assertEquals(
      keys(after.graph.filter((q) => q.predicate.value.startsWith(ns.dcterms("").value))),
      keys(rest),
    );
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});
