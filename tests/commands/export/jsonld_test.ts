import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { DataFactory } from "n3";
import { toJsonLdNodes } from "../../../src/commands/export/jsonld.ts";
import { toNTriples } from "../../../src/rdf/graph.ts";
import { compareRdf } from "../../support/independent_tools.ts";

const { namedNode, literal, blankNode, quad } = DataFactory;
const o = namedNode("http://repo.example/rest/o");
const p = (local: string) => namedNode(`http://purl.org/dc/terms/${local}`);
const QUADS = [
  quad(
    o,
    namedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
    namedNode("http://pcdm.org/models#Object"),
  ),
  quad(o, p("title"), literal("書簡集 第一巻", "ja")),
  quad(o, p("title"), literal('Letters, volume "one"\nline two')),
  quad(o, p("date"), literal("1920~", namedNode("http://id.loc.gov/datatypes/edtf"))),
  quad(o, p("extent"), literal("3", namedNode("http://www.w3.org/2001/XMLSchema#integer"))),
  quad(o, p("subject"), blankNode("b1")),
  quad(
    blankNode("b1"),
    namedNode("http://www.w3.org/2000/01/rdf-schema#label"),
    literal("Harbors"),
  ),
  quad(namedNode(`${o.value}#creator-0`), p("title"), literal("Okafor, Adaeze")),
];

Deno.test("expanded JSON-LD: one node per subject, languages, datatypes and blank nodes", () => {
  const nodes = toJsonLdNodes(QUADS, "x-");
  assertEquals(nodes.map((n) => n["@id"]), [o.value, "_:x-b1", `${o.value}#creator-0`]);
  assertEquals(nodes[0]["@type"], ["http://pcdm.org/models#Object"]);
  assertEquals(nodes[0]["http://purl.org/dc/terms/title"], [
    { "@value": "書簡集 第一巻", "@language": "ja" },
    { "@value": 'Letters, volume "one"\nline two' },
  ]);
  assertEquals(nodes[0]["http://purl.org/dc/terms/subject"], [{ "@id": "_:x-b1" }]);
});

Deno.test("rdflib reads the JSON-LD as the same graph as the N-Triples", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "a.jsonld"), JSON.stringify(toJsonLdNodes(QUADS)));
    await Deno.writeTextFile(join(dir, "a.nt"), toNTriples(QUADS));
    const compared = await compareRdf(join(dir, "a.nt"), "nt", join(dir, "a.jsonld"), "json-ld");
    assertEquals(compared.code, 0, compared.stderr);
    assertEquals(compared.stdout.trim(), `${QUADS.length} ${QUADS.length} True`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
