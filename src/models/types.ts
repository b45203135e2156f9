/**
 * The shape of a content model definition. A model is plain data: a new model
 * is a new definition file (see `item.ts`), not new code. Predicates, types
 * and datatypes are written as CURIEs with the prefixes of SPEC §6.
 *
 * @module
 */

/** The validation rules one field may carry (SPEC §6). */
export interface FieldRules {
  /** At least this many values (objects, for embedded fields). */
  min?: number;
  /** At most this many values per language tag (untagged counts as one language). */
  max?: number;
  /** The only values allowed (URIs or literal text). */
  allowed?: readonly string[];
  /** A regular expression every value must match as a whole. */
  pattern?: string;
  /** Every value must be a valid EDTF date. */
  edtf?: boolean;
  /** Every value must be an ISO 639-1 or ISO 639-2 code. */
  iso639?: boolean;
  /**
   * A controlled vocabulary every value must come from: a URL or a local
   * Turtle file path; its terms are the subjects it describes.
   */
  vocabulary?: string;
}

/** A field whose values are literals or URIs of the object itself. */
export interface SimpleField extends FieldRules {
  kind: "literal" | "uri";
  /** Field name, as used in reports and `INDEX` keys, e.g. `rights_holder`. */
  name: string;
  /** The CSV header label, e.g. `Rights Holder`. */
  label: string;
  /** Predicate CURIE, e.g. `dcterms:title`. */
  predicate: string;
  /** Datatype CURIE for literal values (`EDTF` for the EDTF datatype). */
  datatype?: string;
}

/** One column of an embedded object: a label, a URI, a coordinate… */
export interface EmbeddedColumn {
  /** The CSV header label, e.g. `Creator URI`. */
  label: string;
  /** Predicate CURIE on the embedded resource, e.g. `owl:sameAs`. */
  predicate: string;
  kind: "literal" | "uri";
  datatype?: string;
}

/**
 * A field whose values are embedded hash resources (`<object>#<fragment>`),
 * such as a creator with a label and a URI. `min`/`max` count objects.
 */
export interface EmbeddedField extends Pick<FieldRules, "min" | "max"> {
  kind: "embedded";
  name: string;
  /** The label of the field's first column (its `rdfs:label` column). */
  label: string;
  /** Predicate CURIE linking the object to the embedded resource. */
  predicate: string;
  /** `rdf:type`s of the embedded resource (CURIEs). */
  types?: readonly string[];
  /** The columns, the first one being the field's own label column. */
  columns: readonly EmbeddedColumn[];
}

/** Any field of a model. */
export type FieldDefinition = SimpleField | EmbeddedField;

/** A content model (SPEC §6). */
export interface ContentModel {
  /** Its name as given in `PlastronArg-model`, e.g. `Item`. */
  name: string;
  /** `rdf:type`s of the object besides `pcdm:Object` (CURIEs). */
  types: readonly string[];
  /**
   * The field that identifies a row for resume (all its values). Absent: rows
   * are identified by position.
   */
  identifierField?: string;
  fields: readonly FieldDefinition[];
}
