/**
 * JSON-LD for the export (`application/ld+json`): triples as expanded
 * JSON-LD node objects (JSON-LD 1.1 §9, "expanded document form"), one per
 * subject, with full IRIs, `@type` for `rdf:type`, and `@value` with
 * `@language` or `@type` for literals. Expanded form needs no context, so
 * any JSON-LD processor reads it back to the same triples.
 *
 * @example
 * ```ts
 * import { DataFactory } from "n3";
 * const { namedNode, literal, quad } = DataFactory;
 * toJsonLdNodes([quad(namedNode("http://x/o"), namedNode("http://purl.org/dc/terms/title"), literal("A", "en"))]);
 * // [{ "@id": "http://x/o", "http://purl.org/dc/terms/title": [{ "@value": "A", "@language": "en" }] }]
 * ```
 *
 * @module
 */
import type { Quad, Term } from "n3";
import { PREFIXES } from "../../rdf/namespaces.ts";

/** A JSON-LD value object or node reference. */
export type JsonLdValue =
  | { "@id": string }
  | { "@value": string; "@language"?: string; "@type"?: string };

/** An expanded JSON-LD node object. */
export type JsonLdNode = { "@id": string; "@type"?: string[] } & {
  [predicate: string]: string | string[] | JsonLdValue[] | undefined;
};

const RDF_TYPE = PREFIXES.rdf + "type";
const XSD_STRING = PREFIXES.xsd + "string";
const RDF_LANG_STRING = PREFIXES.rdf + "langString";

/** `@id` of a subject or object: the IRI, or `_:label` for a blank node. */
function idOf(term: Term, blankPrefix: string): string {
  return term.termType === "BlankNode" ? `_:${blankPrefix}${term.value}` : term.value;
}

function valueOf(term: Term, blankPrefix: string): JsonLdValue {
  if (term.termType !== "Literal") return { "@id": idOf(term, blankPrefix) };
  if (term.language) return { "@value": term.value, "@language": term.language };
  const datatype = term.datatype.value;
  return datatype === XSD_STRING || datatype === RDF_LANG_STRING
    ? { "@value": term.value }
    : { "@value": term.value, "@type": datatype };
}

/**
 * The node objects of `quads` (default graph only; graph names are
 * dropped), subjects in order of first appearance. `blankPrefix` keeps the
 * blank nodes of different calls apart.
 */
export function toJsonLdNodes(quads: Iterable<Quad>, blankPrefix = ""): JsonLdNode[] {
  const nodes = new Map<string, JsonLdNode>();
  for (const q of quads) {
    const id = idOf(q.subject, blankPrefix);
    let node = nodes.get(id);
    if (!node) {
      node = { "@id": id };
      nodes.set(id, node);
    }
    if (q.predicate.value === RDF_TYPE && q.object.termType !== "Literal") {
      const types = (node["@type"] ??= []);
      const type = idOf(q.object, blankPrefix);
      if (!types.includes(type)) types.push(type);
      continue;
    }
    const values = (node[q.predicate.value] ??= []) as JsonLdValue[];
    const value = valueOf(q.object, blankPrefix);
    const key = JSON.stringify(value);
    if (!values.some((v) => JSON.stringify(v) === key)) values.push(value);
  }
  return [...nodes.values()];
}
