/**
 * The RDF namespaces of SPEC §6, for the content models and the CSV dialect.
 * (Defined here because `src/rdf/namespaces.ts` did not exist yet when the
 * models were written; both must agree with SPEC §6.)
 *
 * @module
 */

/** Prefix → namespace IRI, as listed in SPEC §6 (plus `rdf`, `xsd`, `hdl`). */
export const PREFIXES: Readonly<Record<string, string>> = {
  bibo: "http://purl.org/ontology/bibo/",
  dc: "http://purl.org/dc/elements/1.1/",
  dcterms: "http://purl.org/dc/terms/",
  dcmitype: "http://purl.org/dc/dcmitype/",
  ebucore: "http://www.ebu.ch/metadata/ontologies/ebucore/ebucore#",
  edm: "http://www.europeana.eu/schemas/edm/",
  fabio: "http://purl.org/spar/fabio/",
  geo: "http://www.w3.org/2003/01/geo/wgs84_pos#",
  iana: "http://www.iana.org/assignments/relation/",
  ldp: "http://www.w3.org/ns/ldp#",
  ore: "http://www.openarchives.org/ore/terms/",
  owl: "http://www.w3.org/2002/07/owl#",
  pcdm: "http://pcdm.org/models#",
  pcdmuse: "http://pcdm.org/use#",
  premis: "http://www.loc.gov/premis/rdf/v1#",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  rel: "http://id.loc.gov/vocabulary/relators/",
  schema: "https://schema.org/",
  skos: "http://www.w3.org/2004/02/skos/core#",
  umd: "http://vocab.lib.umd.edu/model#",
  umdaccess: "http://vocab.lib.umd.edu/access#",
  umdtype: "http://vocab.lib.umd.edu/datatype#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
};

/** The EDTF datatype IRI. */
export const EDTF_DATATYPE = "http://id.loc.gov/datatypes/edtf";
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
