/**
 * The RDF namespaces plastrond uses (SPEC §6), and helpers to build IRIs in them.
 *
 * @module
 */
import { DataFactory } from "n3";
import type { NamedNode } from "n3";

/** Prefix → namespace IRI, as listed in SPEC §6 plus the RDF, XSD, LDP and Fedora vocabularies. */
export const PREFIXES: Readonly<Record<string, string>> = Object.freeze({
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
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  rel: "http://id.loc.gov/vocabulary/relators/",
  schema: "https://schema.org/",
  skos: "http://www.w3.org/2004/02/skos/core#",
  umd: "http://vocab.lib.umd.edu/model#",
  umdaccess: "http://vocab.lib.umd.edu/access#",
  umdtype: "http://vocab.lib.umd.edu/datatype#",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
  fedora: "http://fedora.info/definitions/v4/repository#",
});

/** The EDTF datatype IRI. */
export const EDTF_DATATYPE = "http://id.loc.gov/datatypes/edtf";

/** A function that makes a named node in one namespace: `ns("title")`. */
export type Namespace = (local: string) => NamedNode;

/** Makes a {@link Namespace} for an IRI prefix. */
export function namespace(base: string): Namespace {
  return (local: string) => DataFactory.namedNode(base + local);
}

/** Namespaces by prefix, e.g. `ns.pcdm("Object")`. */
export const ns: Readonly<Record<keyof typeof PREFIXES & string, Namespace>> = Object.freeze(
  Object.fromEntries(Object.entries(PREFIXES).map(([p, iri]) => [p, namespace(iri)])),
);

/** `rdf:type`. */
export const RDF_TYPE: NamedNode = DataFactory.namedNode(PREFIXES.rdf + "type");
