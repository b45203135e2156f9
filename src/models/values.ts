/**
 * The values of one record, field by field, as read from a CSV row or from
 * the repository: the validator's input.
 *
 * @module
 */

/** One value of a field: text or an IRI, with its language tag or datatype IRI. */
export interface FieldValue {
  /** The literal text, or the IRI for URI fields. */
  value: string;
  /** Language tag (literal values only), e.g. `ja`. */
  lang?: string;
  /** Full datatype IRI (literal values only); absent means `xsd:string`. */
  datatype?: string;
}

/** One embedded object: its hash fragment (without `#`) and values per column label. */
export interface EmbeddedObject {
  fragment?: string;
  columns: Record<string, FieldValue[]>;
}

/** The values of one record. */
export interface RecordValues {
  /** Simple fields' values by field name. */
  fields: Record<string, FieldValue[]>;
  /** Embedded fields' objects by field name. */
  objects: Record<string, EmbeddedObject[]>;
}
