/**
 * The `Issue` content model (`bibo:Issue`, newspaper issues), as data. It has
 * no identifier column: rows are identified by position for resume.
 *
 * @module
 */
import type { ContentModel } from "./types.ts";

/** `bibo:Issue` (SPEC §6). */
export const ISSUE: ContentModel = {
  name: "Issue",
  types: ["bibo:Issue"],
  fields: [
    { kind: "literal", name: "title", label: "Title", predicate: "dcterms:title", min: 1, max: 1 },
    {
      kind: "literal",
      name: "date",
      label: "Date",
      predicate: "dc:date",
      datatype: "xsd:date",
      min: 1,
      max: 1,
      pattern: "[0-9]{4}-[0-9]{2}-[0-9]{2}",
    },
    { kind: "literal", name: "volume", label: "Volume", predicate: "bibo:volume", min: 1, max: 1 },
    { kind: "literal", name: "issue", label: "Issue", predicate: "bibo:issue", min: 1, max: 1 },
    {
      kind: "literal",
      name: "edition",
      label: "Edition",
      predicate: "bibo:edition",
      min: 1,
      max: 1,
    },
  ],
};
