/**
 * CURIE helpers over the project's namespaces (`src/rdf/namespaces.ts`, the
 * prefixes of SPEC §6), for the content models and the CSV dialect.
 *
 * @module
 */
import { EDTF_DATATYPE, PREFIXES } from "../rdf/namespaces.ts";

export { EDTF_DATATYPE, PREFIXES };

/** `xsd:string`, the datatype of plain literals. */
export const XSD_STRING = "http://www.w3.org/2001/XMLSchema#string";
/** `rdf:langString`, the datatype of language-tagged literals. */
export const RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

/**
 * Expands a CURIE such as `dcterms:title` with {@linkcode PREFIXES}; returns
 * `undefined` when the prefix is unknown. `EDTF` (any case) gives the EDTF datatype.
 *
 * @example
 * ```ts
 * expandCurie("xsd:date"); // "http://www.w3.org/2001/XMLSchema#date"
 * ```
 */
export function expandCurie(curie: string): string | undefined {
  if (curie.toLowerCase() === "edtf") return EDTF_DATATYPE;
  const colon = curie.indexOf(":");
  if (colon <= 0) return undefined;
  const ns = PREFIXES[curie.slice(0, colon)];
  return ns === undefined ? undefined : ns + curie.slice(colon + 1);
}

/** Shorthand: the full IRI of `prefix:local`; throws on an unknown prefix (a bug in a model). */
export function iri(curie: string): string {
  const full = expandCurie(curie);
  if (full === undefined) throw new Error(`unknown prefix in ${curie}`);
  return full;
}

/** The shortest `prefix:local` form of an IRI, or the IRI itself. */
export function compactIri(full: string): string {
  if (full === EDTF_DATATYPE) return "EDTF";
  for (const [prefix, ns] of Object.entries(PREFIXES)) {
    if (full.startsWith(ns) && /^[A-Za-z0-9_.-]*$/.test(full.slice(ns.length))) {
      return `${prefix}:${full.slice(ns.length)}`;
    }
  }
  return full;
}
