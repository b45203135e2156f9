/**
 * The `Poster` content model (`bibo:Image`), as data.
 *
 * @module
 */
import type { ContentModel } from "./types.ts";

/** `bibo:Image` posters (SPEC §6). */
export const POSTER: ContentModel = {
  name: "Poster",
  types: ["bibo:Image"],
  identifierField: "identifier",
  fields: [
    { kind: "literal", name: "title", label: "Title", predicate: "dcterms:title", min: 1 },
    {
      kind: "literal",
      name: "alternative",
      label: "Alternate Title",
      predicate: "dcterms:alternative",
      min: 1,
    },
    { kind: "literal", name: "publisher", label: "Publisher", predicate: "dc:publisher", min: 1 },
    {
      kind: "literal",
      name: "part_of",
      label: "Collection",
      predicate: "dcterms:isPartOf",
      min: 1,
    },
    { kind: "literal", name: "format", label: "Format", predicate: "dc:format" },
    { kind: "uri", name: "type", label: "Resource Type", predicate: "edm:hasType", min: 1 },
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
    },
    {
      kind: "literal",
      name: "extent",
      label: "Extent",
      predicate: "dcterms:extent",
      min: 1,
      max: 1,
    },
    { kind: "literal", name: "issue", label: "Issue", predicate: "bibo:issue", min: 1, max: 1 },
    {
      kind: "literal",
      name: "identifier",
      label: "Identifier/Call Number",
      predicate: "bibo:locator",
      min: 1,
      max: 1,
    },
    { kind: "literal", name: "location", label: "Location", predicate: "dc:coverage", min: 1 },
    {
      kind: "literal",
      name: "longitude",
      label: "Longitude",
      predicate: "geo:long",
      min: 1,
      max: 1,
    },
    { kind: "literal", name: "latitude", label: "Latitude", predicate: "geo:lat", min: 1, max: 1 },
    { kind: "literal", name: "subject", label: "Subject", predicate: "dc:subject", min: 1 },
    { kind: "uri", name: "rights", label: "Rights", predicate: "dcterms:rights", min: 1, max: 1 },
  ],
};
