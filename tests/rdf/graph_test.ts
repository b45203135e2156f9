/** Parsing and serializing RDF with n3. */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { DataFactory } from "n3";
import { parseRdf, RdfSyntaxError, toNTriples, toTurtle, tripleKey } from "../../src/rdf/graph.ts";
import { PREFIXES } from "../../src/rdf/namespaces.ts";

const { namedNode, literal, quad } = DataFactory;

const QUADS = [
  quad(namedNode("http://e/s"), namedNode(PREFIXES.dcterms + "title"), literal('a "b"\nc', "en")),
  quad(namedNode("http://e/s"), namedNode(PREFIXES.pcdm + "hasMember"), namedNode("http://e/m")),
  quad(
    namedNode("http://e/s"),
    namedNode(PREFIXES.dcterms + "date"),
    literal("2020", namedNode(PREFIXES.xsd + "gYear")),
  ),
];

Deno.test("N-Triples and Turtle round-trip the same triples", () => {
  const keys = QUADS.map(tripleKey).sort();
  assertEquals(parseRdf(toNTriples(QUADS), "application/n-triples").map(tripleKey).sort(), keys);
  assertEquals(
    parseRdf(toTurtle(QUADS, { dcterms: PREFIXES.dcterms }), "text/turtle; charset=utf-8")
      .map(tripleKey).sort(),
    keys,
  );
});

Deno.test("relative IRIs resolve against the base", () => {
  const [q] = parseRdf('<> <http://p> "x" .', "text/turtle", "http://e/base");
  assertEquals(q.subject.value, "http://e/base");
});

Deno.test("broken RDF gives RdfSyntaxError naming the resource", () => {
  throws(
    () => parseRdf("<http://e/s> <http://p> .", "application/n-triples", "http://e/s"),
    (e) => e instanceof RdfSyntaxError && e.message.includes("http://e/s"),
  );
});
