/**
 * Record values ↔ RDF: the triples a row stands for (the object, its types,
 * its fields and its embedded hash resources), the record read back from an
 * object's triples, and the difference between two sets of triples.
 *
 * @module
 */
import { DataFactory, type Quad, type Term } from "n3";
import { iri, RDF_LANG_STRING, XSD_STRING } from "../models/prefixes.ts";
import type { ContentModel, EmbeddedColumn, SimpleField } from "../models/types.ts";
import type { EmbeddedObject, FieldValue, RecordValues } from "../models/values.ts";

const { namedNode, literal, quad } = DataFactory;
const RDF_TYPE = iri("rdf:type");

function objectTerm(kind: "literal" | "uri", v: FieldValue) {
  if (kind === "uri") return namedNode(v.value);
  if (v.lang) return literal(v.value, v.lang);
  return literal(v.value, v.datatype ? namedNode(v.datatype) : undefined);
}

function stripFragment(subject: string): string {
  const hash = subject.indexOf("#");
  return hash < 0 ? subject : subject.slice(0, hash);
}

/** The types every object of `model` gets: `pcdm:Object` and the model's own (full IRIs). */
export function modelTypes(model: ContentModel): string[] {
  return [iri("pcdm:Object"), ...model.types.map(iri)];
}

/**
 * The triples of one record about `subject`: its types, its fields, and one
 * hash resource `<subject>#<fragment>` per embedded object.
 *
 * @example
 * ```ts
 * import { ISSUE } from "../models/issue.ts";
 * recordToQuads(ISSUE, { fields: { title: [{ value: "Courier" }] }, objects: {} }, "http://r/1").length; // 3
 * ```
 */
export function recordToQuads(model: ContentModel, record: RecordValues, subject: string): Quad[] {
  const s = namedNode(stripFragment(subject));
  const quads: Quad[] = modelTypes(model).map((t) => quad(s, namedNode(RDF_TYPE), namedNode(t)));
  for (const field of model.fields) {
    if (field.kind === "embedded") {
      for (const object of record.objects[field.name] ?? []) {
        const hash = namedNode(`${s.value}#${object.fragment ?? field.name}`);
        quads.push(quad(s, namedNode(iri(field.predicate)), hash));
        for (const type of field.types ?? []) {
          quads.push(quad(hash, namedNode(RDF_TYPE), namedNode(iri(type))));
        }
        for (const column of field.columns) {
          for (const v of object.columns[column.label] ?? []) {
            quads.push(quad(hash, namedNode(iri(column.predicate)), objectTerm(column.kind, v)));
          }
        }
      }
    } else {
      for (const v of record.fields[field.name] ?? []) {
        quads.push(quad(s, namedNode(iri(field.predicate)), objectTerm(field.kind, v)));
      }
    }
  }
  return quads;
}

function toValue(term: Term): FieldValue {
  if (term.termType !== "Literal") return { value: term.value };
  if (term.language) return { value: term.value, lang: term.language.toLowerCase() };
  const dt = term.datatype.value;
  return dt === XSD_STRING ? { value: term.value } : { value: term.value, datatype: dt };
}

const byValue = (a: FieldValue, b: FieldValue) =>
  (a.lang ?? "").localeCompare(b.lang ?? "") || a.value.localeCompare(b.value);

/** Which literal field of several sharing one predicate a literal belongs to. */
function literalOwner(fields: SimpleField[], term: Term): SimpleField | undefined {
  if (term.termType !== "Literal") return undefined;
  const dt = term.language ? RDF_LANG_STRING : term.datatype.value;
  const plain = dt === XSD_STRING || dt === RDF_LANG_STRING;
  return fields.find((f) => f.datatype !== undefined && iri(f.datatype) === dt) ??
    fields.find((f) => f.datatype === undefined) ??
    (plain ? undefined : fields[0]);
}

function columnMatches(column: EmbeddedColumn, term: Term): boolean {
  return column.kind === "uri" ? term.termType === "NamedNode" : term.termType === "Literal";
}

/** The record read back from an object's triples, and the triples it came from. */
export interface ReadBack {
  record: RecordValues;
  /** The triples the model manages (what a diff may delete). */
  managed: Quad[];
}

/**
 * Reads the model's fields of `subject` out of `quads` (e.g. the object's
 * triples from the repository, hash resources included).
 */
export function quadsToRecord(
  model: ContentModel,
  quads: readonly Quad[],
  subject: string,
): ReadBack {
  const s = stripFragment(subject);
  const record: RecordValues = { fields: {}, objects: {} };
  const managed: Quad[] = [];
  const types = new Set(modelTypes(model));
  const about = (subjectIri: string) => quads.filter((q) => q.subject.value === subjectIri);
  const own = about(s);
  const literalFields = new Map<string, SimpleField[]>();
  for (const field of model.fields) {
    if (field.kind === "literal") {
      const p = iri(field.predicate);
      literalFields.set(p, [...(literalFields.get(p) ?? []), field]);
    }
  }
  for (const q of own) {
    if (q.predicate.value === RDF_TYPE && types.has(q.object.value)) managed.push(q);
  }
  for (const field of model.fields) {
    const p = iri(field.predicate);
    const matching = own.filter((q) => q.predicate.value === p);
    if (field.kind === "uri") {
      const values = matching.filter((q) =>
        q.object.termType === "NamedNode" && !q.object.value.startsWith(`${s}#`)
      );
      managed.push(...values);
      if (values.length) {
        record.fields[field.name] = values.map((q) => toValue(q.object)).sort(byValue);
      }
    } else if (field.kind === "literal") {
      const fields = literalFields.get(p) ?? [field];
      const values = matching.filter((q) => literalOwner(fields, q.object) === field);
      managed.push(...values);
      if (values.length) {
        record.fields[field.name] = values.map((q) => toValue(q.object)).sort(byValue);
      }
    } else if (field.kind === "embedded") {
      const objects: EmbeddedObject[] = [];
      for (const link of matching) {
        if (link.object.termType !== "NamedNode" || !link.object.value.startsWith(`${s}#`)) {
          continue;
        }
        managed.push(link);
        const hash = link.object.value;
        const object: EmbeddedObject = { fragment: hash.slice(s.length + 1), columns: {} };
        const hashQuads = about(hash);
        const hashTypes = new Set((field.types ?? []).map(iri));
        managed.push(
          ...hashQuads.filter((q) =>
            q.predicate.value === RDF_TYPE && hashTypes.has(q.object.value)
          ),
        );
        for (const column of field.columns) {
          const cp = iri(column.predicate);
          const values = hashQuads.filter((q) =>
            q.predicate.value === cp && columnMatches(column, q.object)
          );
          managed.push(...values);
          if (values.length) {
            object.columns[column.label] = values.map((q) => toValue(q.object)).sort(byValue);
          }
        }
        objects.push(object);
      }
      objects.sort((a, b) =>
        (a.fragment ?? "").localeCompare(b.fragment ?? "", "en", { numeric: true })
      );
      if (objects.length) record.objects[field.name] = objects;
    }
  }
  return { record, managed };
}

/** A stable text key for a triple (N-Triples-like). */
export function quadKey(q: Quad): string {
  const term = (t: Term) => {
    if (t.termType === "NamedNode") return `<${t.value}>`;
    if (t.termType === "BlankNode") return `_:${t.value}`;
    if (t.termType === "Literal") {
      return JSON.stringify(t.value) +
        (t.language ? `@${t.language.toLowerCase()}` : `^^<${t.datatype.value}>`);
    }
    return t.value;
  };
  return `${term(q.subject)} ${term(q.predicate)} ${term(q.object)}`;
}

/** What must be deleted and inserted to turn `current` into `desired`. */
export interface QuadDiff {
  deletes: Quad[];
  inserts: Quad[];
}

/** The set difference both ways; empty when nothing changed. */
export function diffQuads(current: readonly Quad[], desired: readonly Quad[]): QuadDiff {
  const currentKeys = new Set(current.map(quadKey));
  const desiredKeys = new Set(desired.map(quadKey));
  const unique = (
    quads: readonly Quad[],
  ) => [...new Map(quads.map((q) => [quadKey(q), q])).values()];
  return {
    deletes: unique(current.filter((q) => !desiredKeys.has(quadKey(q)))),
    inserts: unique(desired.filter((q) => !currentKeys.has(quadKey(q)))),
  };
}
