/**
 * SPARQL 1.1 Update requests built from RDF terms. Every IRI and literal is
 * escaped by the rules of the SPARQL grammar; no user value is ever pasted
 * into the query text unescaped.
 *
 * @module
 */
import type { Quad, Term } from "n3";

const XSD_STRING = "http://www.w3.org/2001/XMLSchema#string";
const RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
const LANGUAGE_TAG = /^[a-zA-Z]+(-[a-zA-Z0-9]+)*$/;

/** A term that cannot be written into a SPARQL Update (e.g. a malformed language tag). */
export class SparqlTermError extends Error {
  override name = "SparqlTermError";
}

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, "0");
}

/**
 * Writes an IRI as `<...>`. Characters that an IRI cannot contain (space,
 * `<>"{}|^\`\\`, controls) are refused rather than escaped: a `\u` escape of
 * them is not allowed in SPARQL or Turtle either, and percent-encoding would
 * make it a different IRI.
 */
export function sparqlIri(iri: string): string {
  for (const ch of iri) {
    const code = ch.codePointAt(0)!;
    if (code <= 0x20 || `<>"{}|^\`\\`.includes(ch)) {
      throw new SparqlTermError(
        `"${iri}" is not a valid IRI: it contains ${
          code <= 0x20 ? `the control or space character U+${hex(code, 4)}` : `"${ch}"`
        }; percent-encode it (e.g. %20 for a space) where it is meant`,
      );
    }
  }
  return `<${iri}>`;
}

/** Escapes a string for a `"..."` literal (STRING_LITERAL_QUOTE). */
export function sparqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    switch (ch) {
      case "\\":
        out += "\\\\";
        break;
      case '"':
        out += '\\"';
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      default: {
        const code = ch.codePointAt(0)!;
        out += code < 0x20 || code === 0x7f ? `\\u${hex(code, 4)}` : ch;
      }
    }
  }
  return out + '"';
}

/**
 * Writes one RDF term in SPARQL syntax. Blank nodes become variables when
 * `blankAsVariable` is set (blank nodes are not allowed in DELETE templates).
 */
export function sparqlTerm(term: Term, blankAsVariable = false): string {
  switch (term.termType) {
    case "NamedNode":
      return sparqlIri(term.value);
    case "BlankNode": {
      const label = term.value.replace(/[^A-Za-z0-9_]/g, "_");
      return blankAsVariable ? `?b_${label}` : `_:b_${label}`;
    }
    case "Literal": {
      const lit = term as Term & { language: string; datatype: { value: string } };
      if (lit.language) {
        if (!LANGUAGE_TAG.test(lit.language)) {
          throw new SparqlTermError(
            `"${lit.language}" is not a valid language tag (expected e.g. "en" or "pt-BR")`,
          );
        }
        return `${sparqlString(lit.value)}@${lit.language}`;
      }
      const dt = lit.datatype?.value;
      if (!dt || dt === XSD_STRING || dt === RDF_LANG_STRING) return sparqlString(lit.value);
      return `${sparqlString(lit.value)}^^${sparqlIri(dt)}`;
    }
    case "Variable":
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(term.value)) {
        throw new SparqlTermError(`"${term.value}" is not a valid SPARQL variable name`);
      }
      return `?${term.value}`;
    default:
      throw new SparqlTermError(`a ${term.termType} term cannot appear in a SPARQL Update`);
  }
}

function triples(quads: readonly Quad[], blankAsVariable: boolean): string {
  return quads.map((q) =>
    `  ${sparqlTerm(q.subject, blankAsVariable)} ${sparqlTerm(q.predicate, blankAsVariable)} ${
      sparqlTerm(q.object, blankAsVariable)
    } .\n`
  ).join("");
}

/** What a PATCH should remove and add. */
export interface GraphChange {
  deletes: readonly Quad[];
  inserts: readonly Quad[];
}

function hasBlank(q: Quad): boolean {
  return q.subject.termType === "BlankNode" || q.object.termType === "BlankNode";
}

/**
 * Builds `DELETE { … } INSERT { … } WHERE { }` from the triples to remove
 * and to add. Removed triples with blank nodes go into a separate
 * `DELETE { … } WHERE { … }` operation first, with the blank nodes as
 * variables (a blank node cannot name an existing node).
 */
export function buildSparqlUpdate(change: GraphChange): string {
  const blanky = change.deletes.filter(hasBlank);
  const ground = change.deletes.filter((q) => !hasBlank(q));
  let update = "";
  if (blanky.length > 0) {
    const pattern = triples(blanky, true);
    update += `DELETE {\n${pattern}}\nWHERE {\n${pattern}} ;\n`;
  }
  update += `DELETE {\n${triples(ground, false)}}\nINSERT {\n${
    triples(change.inserts, false)
  }}\nWHERE { }\n`;
  return update;
}
