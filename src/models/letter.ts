/**
 * The `Letter` content model (`bibo:Letter`), as data.
 *
 * @module
 */
import type { ContentModel, EmbeddedColumn } from "./types.ts";

function agent(label: string): EmbeddedColumn[] {
  return [{ label, predicate: "rdfs:label", kind: "literal" }];
}

/** `bibo:Letter` (SPEC §6). */
export const LETTER: ContentModel = {
  name: "Letter",
  types: ["bibo:Letter"],
  identifierField: "identifier",
  fields: [
    {
      kind: "literal",
      name: "identifier",
      label: "Identifier",
      predicate: "dcterms:identifier",
      min: 1,
    },
    { kind: "literal", name: "title", label: "Title", predicate: "dcterms:title" },
    {
      kind: "embedded",
      name: "author",
      label: "Author",
      predicate: "rel:aut",
      min: 1,
      columns: agent("Author"),
    },
    {
      kind: "embedded",
      name: "recipient",
      label: "Recipient",
      predicate: "bibo:recipient",
      min: 1,
      columns: agent("Recipient"),
    },
    {
      kind: "embedded",
      name: "part_of",
      label: "Archival Collection",
      predicate: "dcterms:isPartOf",
      min: 1,
      max: 1,
      columns: [
        { label: "Archival Collection", predicate: "rdfs:label", kind: "literal" },
        { label: "Handle/Link", predicate: "owl:sameAs", kind: "uri" },
      ],
    },
    {
      kind: "embedded",
      name: "location",
      label: "Location",
      predicate: "dcterms:spatial",
      min: 1,
      columns: [
        { label: "Location", predicate: "rdfs:label", kind: "literal" },
        { label: "Longitude", predicate: "geo:long", kind: "literal" },
        { label: "Latitude", predicate: "geo:lat", kind: "literal" },
      ],
    },
    {
      kind: "embedded",
      name: "subject",
      label: "Subject",
      predicate: "dcterms:subject",
      min: 1,
      columns: [{ label: "Subject", predicate: "rdfs:label", kind: "literal" }],
    },
    { kind: "uri", name: "rights", label: "Rights", predicate: "dcterms:rights", min: 1, max: 1 },
    { kind: "uri", name: "type", label: "Resource Type", predicate: "edm:hasType", min: 1, max: 1 },
    {
      kind: "literal",
      name: "date",
      label: "Date",
      predicate: "dc:date",
      datatype: "EDTF",
      min: 1,
      max: 1,
      edtf: true,
    },
    {
      kind: "literal",
      name: "language",
      label: "Language",
      predicate: "dc:language",
      min: 1,
      max: 1,
      iso639: true,
    },
    {
      kind: "literal",
      name: "description",
      label: "Description",
      predicate: "dcterms:description",
      min: 1,
      max: 1,
    },
    {
      kind: "literal",
      name: "bibliographic_citation",
      label: "Bibliographic Citation",
      predicate: "dcterms:bibliographicCitation",
      min: 1,
      max: 1,
    },
    {
      kind: "literal",
      name: "extent",
      label: "Extent",
      predicate: "dcterms:extent",
      min: 1,
      max: 1,
    },
    {
      kind: "literal",
      name: "rights_holder",
      label: "Rights Holder",
      predicate: "dcterms:rightsHolder",
      min: 1,
      max: 1,
    },
  ],
};
