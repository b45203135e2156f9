/**
 * Parse and serialize RDF (N-Triples, Turtle) with the `n3` library.
 *
 * @module
 */
import { Parser, Writer } from "n3";
import type { Quad, Term } from "n3";

/** The RDF media types plastrond reads and writes. */
export type RdfMediaType = "application/n-triples" | "text/turtle";

/** RDF that cannot be parsed. */
export class RdfSyntaxError extends Error {
  override name = "RdfSyntaxError";
}

/**
 * Parses RDF text into quads (all in the default graph).
 *
 * @param text the document
 * @param mediaType `application/n-triples` or `text/turtle` (parameters such as `;charset=` are ignored)
 * @param baseIRI the IRI relative references are resolved against
 */
export function parseRdf(text: string, mediaType: string, baseIRI?: string): Quad[] {
  const type = mediaType.split(";")[0].trim().toLowerCase();
  const format = type === "application/n-triples" ? "N-Triples" : "Turtle";
  try {
    return new Parser({ format, baseIRI }).parse(text);
  } catch (e) {
    throw new RdfSyntaxError(
      `cannot parse ${type} RDF${baseIRI ? ` of ${baseIRI}` : ""}: ${(e as Error).message}`,
    );
  }
}

/** Serializes quads as N-Triples (one triple per line, graphs dropped). */
export function toNTriples(quads: Iterable<Quad>): string {
  const writer = new Writer({ format: "N-Triples" });
  let out = "";
  for (const q of quads) {
    out += writer.quadToString(q.subject, q.predicate, q.object);
  }
  return out;
}

/** Serializes quads as Turtle with the given prefixes. */
export function toTurtle(quads: Iterable<Quad>, prefixes: Record<string, string> = {}): string {
  const writer = new Writer({ format: "Turtle", prefixes });
  writer.addQuads([...quads]);
  let result = "";
  writer.end((error: Error | null, text: string) => {
    if (error) throw error;
    result = text;
  });
  return result;
}

/** A stable string key of a term (N-Triples form), for sets and comparisons. */
export function termKey(term: Term): string {
  switch (term.termType) {
    case "NamedNode":
      return `<${term.value}>`;
    case "BlankNode":
      return `_:${term.value}`;
    case "Literal": {
      const lit = term as Term & { language: string; datatype: { value: string } };
      return JSON.stringify(lit.value) +
        (lit.language ? `@${lit.language}` : `^^<${lit.datatype.value}>`);
    }
    default:
      return `?${term.value}`;
  }
}

/** A stable string key of a triple (graph ignored). */
export function tripleKey(q: Quad): string {
  return `${termKey(q.subject)} ${termKey(q.predicate)} ${termKey(q.object)}`;
}
