/**
 * The `Item` content model (UMD's general model for digitized items), as data.
 *
 * @module
 */
import type { ContentModel, EmbeddedColumn } from "./types.ts";

function agent(label: string): EmbeddedColumn[] {
  return [
    { label, predicate: "rdfs:label", kind: "literal" },
    { label: `${label} URI`, predicate: "owl:sameAs", kind: "uri" },
  ];
}

/** `umd:Item` (SPEC §6). */
export const ITEM: ContentModel = {
  name: "Item",
  types: ["umd:Item"],
  identifierField: "identifier",
  fields: [
    {
      kind: "uri",
      name: "object_type",
      label: "Object Type",
      predicate: "dcterms:type",
      min: 1,
      max: 1,
    },
    {
      kind: "literal",
      name: "identifier",
      label: "Identifier",
      predicate: "dcterms:identifier",
      min: 1,
    },
    {
      kind: "uri",
      name: "rights",
      label: "Rights Statement",
      predicate: "dcterms:rights",
      min: 1,
      max: 1,
    },
    { kind: "literal", name: "title", label: "Title", predicate: "dcterms:title", min: 1, max: 1 },
    { kind: "uri", name: "format", label: "Format", predicate: "edm:hasType" },
    {
      kind: "uri",
      name: "archival_collection",
      label: "Archival Collection",
      predicate: "dcterms:isPartOf",
      max: 1,
    },
    {
      kind: "literal",
      name: "date",
      label: "Date",
      predicate: "dc:date",
      datatype: "EDTF",
      max: 1,
      edtf: true,
    },
    {
      kind: "literal",
      name: "description",
      label: "Description",
      predicate: "dcterms:description",
      max: 1,
    },
    {
      kind: "literal",
      name: "alternate_title",
      label: "Alternate Title",
      predicate: "dcterms:alternative",
    },
    {
      kind: "embedded",
      name: "creator",
      label: "Creator",
      predicate: "dcterms:creator",
      columns: agent("Creator"),
    },
    {
      kind: "embedded",
      name: "contributor",
      label: "Contributor",
      predicate: "dcterms:contributor",
      columns: agent("Contributor"),
    },
    {
      kind: "embedded",
      name: "publisher",
      label: "Publisher",
      predicate: "dcterms:publisher",
      columns: agent("Publisher"),
    },
    {
      kind: "embedded",
      name: "location",
      label: "Location",
      predicate: "dcterms:spatial",
      columns: [{ label: "Location", predicate: "rdfs:label", kind: "literal" }],
    },
    { kind: "literal", name: "extent", label: "Extent", predicate: "dcterms:extent" },
    {
      kind: "embedded",
      name: "subject",
      label: "Subject",
      predicate: "dcterms:subject",
      columns: [{ label: "Subject", predicate: "rdfs:label", kind: "literal" }],
    },
    {
      kind: "literal",
      name: "language",
      label: "Language",
      predicate: "dc:language",
      iso639: true,
    },
    {
      kind: "embedded",
      name: "rights_holder",
      label: "Rights Holder",
      predicate: "dcterms:rightsHolder",
      columns: [{ label: "Rights Holder", predicate: "rdfs:label", kind: "literal" }],
    },
    {
      kind: "literal",
      name: "bibliographic_citation",
      label: "Collection Information",
      predicate: "dcterms:bibliographicCitation",
      max: 1,
    },
    {
      kind: "literal",
      name: "accession_number",
      label: "Accession Number",
      predicate: "dcterms:identifier",
      datatype: "umdtype:accessionNumber",
      max: 1,
    },
    {
      kind: "literal",
      name: "handle",
      label: "Handle",
      predicate: "dcterms:identifier",
      datatype: "umdtype:handle",
      max: 1,
      pattern: "hdl:[0-9]+(\\.[0-9]+)*/\\S+",
    },
    {
      kind: "uri",
      name: "presentation_set",
      label: "Presentation Set",
      predicate: "ore:isAggregatedBy",
    },
    {
      kind: "uri",
      name: "terms_of_use",
      label: "Terms of Use",
      predicate: "dcterms:license",
      max: 1,
    },
    {
      kind: "literal",
      name: "copyright_notice",
      label: "Copyright Notice",
      predicate: "schema:copyrightNotice",
      max: 1,
    },
    {
      kind: "embedded",
      name: "audience",
      label: "Audience",
      predicate: "dcterms:audience",
      columns: agent("Audience"),
    },
  ],
};
