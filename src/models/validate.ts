/**
 * The validator: checks one record's values against its content model with
 * the rules of SPEC §6 — cardinality per language, allowed values, pattern,
 * EDTF, ISO 639 language codes, URIs and controlled vocabularies. Pure: a
 * vocabulary must be loaded beforehand (see `vocabulary.ts`).
 *
 * @module
 */
import edtf from "edtf";
import { isIso639Code } from "./iso639.ts";
import { EDTF_DATATYPE } from "./prefixes.ts";
import type { ContentModel, EmbeddedField, FieldRules, SimpleField } from "./types.ts";
import type { FieldValue, RecordValues } from "./values.ts";
import type { Vocabulary } from "./vocabulary.ts";

/**
 * One checked rule, as in SPEC §4's per-row report: `[field, "passed"|"failed",
 * rule, arg]`. For cardinality rules (`required`, `exactly`, `min_values`,
 * `max_values`) the argument is the rule's own number; for value rules
 * (`allowed_values`, `pattern`, `edtf`, `language`, `uri`, `vocabulary`) a
 * pass carries the rule's argument and a failure the offending value (or
 * values), so a librarian sees what to fix.
 */
export type RuleOutcome = [field: string, outcome: "passed" | "failed", rule: string, arg: unknown];

/** What the validator found. */
export interface ValidationResult {
  passed: RuleOutcome[];
  failed: RuleOutcome[];
}

/** Inputs the validator cannot compute itself. */
export interface ValidateOptions {
  /** Loaded vocabularies by source (URL or path), for fields with `vocabulary`. */
  vocabularies?: ReadonlyMap<string, Vocabulary>;
}

/**
 * Whether `value` is a valid EDTF date, interval or set (levels 0–2), e.g.
 * `194X`, `1920~`, `[1910..1915]`, `1947/1952`.
 */
export function isEdtf(value: string): boolean {
  try {
    edtf(value);
    return true;
  } catch {
    return false;
  }
}

/** Whether `value` looks like an absolute IRI (a scheme, no spaces). */
export function isAbsoluteIri(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+$/.test(value);
}

/**
 * Why `uri` is not a resource of the repository whose REST root is
 * `endpoint` (`REPOSITORY.REST_ENDPOINT`), or `undefined` when it is one.
 * The repository's credentials go with every request, so a job may only make
 * the daemon ask for URIs under the endpoint: same scheme, host and port, a
 * path at or below the endpoint's (after `.`/`..` are resolved, as `fetch`
 * resolves them), no user name or password.
 *
 * @example
 * ```ts
 * const rest = "http://localhost:8080/fcrepo/rest";
 * outsideRepositoryReason(`${rest}/a/b`, rest); // undefined
 * outsideRepositoryReason("http://elsewhere.example/a", rest); // "is not under REST_ENDPOINT …"
 * outsideRepositoryReason(`${rest}/../admin`, rest); // "is not under REST_ENDPOINT …"
 * ```
 */
export function outsideRepositoryReason(uri: string, endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "is not a URI";
  }
  const root = new URL(endpoint);
  const rootPath = root.pathname.replace(/\/+$/, "");
  const under = url.pathname === rootPath || url.pathname.startsWith(`${rootPath}/`);
  if (url.username !== "" || url.password !== "") {
    return "carries a user name or password; give the repository URI without them";
  }
  if (url.protocol !== root.protocol || url.host !== root.host || !under) {
    return `is not under REST_ENDPOINT ${root.origin}${rootPath}`;
  }
  return undefined;
}

/**
 * Validates `record` against `model`; every rule of every field is checked,
 * so one pass reports every problem.
 *
 * @example
 * ```ts
 * import { ITEM } from "./item.ts";
 * const result = validateRecord(ITEM, { fields: { title: [{ value: "A" }, { value: "B" }] }, objects: {} });
 * result.failed.some(([field, , rule]) => field === "title" && rule === "exactly"); // true
 * ```
 */
export function validateRecord(
  model: ContentModel,
  record: RecordValues,
  options: ValidateOptions = {},
): ValidationResult {
  const result: ValidationResult = { passed: [], failed: [] };
  for (const field of model.fields) {
    if (field.kind === "embedded") checkEmbedded(field, record, result);
    else checkSimple(field, record.fields[field.name] ?? [], result, options);
  }
  return result;
}

function outcome(result: ValidationResult, field: string, ok: boolean, rule: string, arg: unknown) {
  (ok ? result.passed : result.failed).push([field, ok ? "passed" : "failed", rule, arg]);
}

/** Counts of values per language tag ("" for untagged). */
function perLanguage(values: readonly FieldValue[]): number[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v.lang ?? "", (counts.get(v.lang ?? "") ?? 0) + 1);
  return [...counts.values()];
}

function checkCardinality(
  name: string,
  rules: Pick<FieldRules, "min" | "max">,
  total: number,
  groups: number[],
  result: ValidationResult,
) {
  const { min, max } = rules;
  const withinMax = max === undefined || groups.every((n) => n <= max);
  if (min !== undefined && min > 0 && min === max) {
    outcome(result, name, total >= min && withinMax, "exactly", min);
    return;
  }
  if (min !== undefined && min > 0) {
    if (min === 1) outcome(result, name, total >= 1, "required", true);
    else outcome(result, name, total >= min, "min_values", min);
  }
  if (max !== undefined) outcome(result, name, withinMax, "max_values", max);
}

function checkEach(
  name: string,
  values: readonly FieldValue[],
  rule: string,
  passArg: unknown,
  test: (v: FieldValue) => boolean,
  result: ValidationResult,
) {
  if (values.length === 0) return;
  const bad = values.filter((v) => !test(v)).map((v) => v.value);
  if (bad.length === 0) outcome(result, name, true, rule, passArg);
  else outcome(result, name, false, rule, bad.length === 1 ? bad[0] : bad);
}

function checkSimple(
  field: SimpleField,
  values: readonly FieldValue[],
  result: ValidationResult,
  options: ValidateOptions,
) {
  const name = field.name;
  checkCardinality(name, field, values.length, perLanguage(values), result);
  if (field.kind === "uri") {
    checkEach(name, values, "uri", true, (v) => isAbsoluteIri(v.value), result);
  }
  if (field.allowed) {
    const allowed = new Set(field.allowed);
    checkEach(name, values, "allowed_values", field.allowed, (v) => allowed.has(v.value), result);
  }
  if (field.pattern !== undefined) {
    const pattern = new RegExp(`^(?:${field.pattern})$`, "u");
    checkEach(name, values, "pattern", field.pattern, (v) => pattern.test(v.value), result);
  }
  if (field.edtf) {
    const dated = values.filter((v) => v.datatype === undefined || v.datatype === EDTF_DATATYPE);
    checkEach(name, dated, "edtf", true, (v) => isEdtf(v.value), result);
  }
  if (field.iso639) {
    checkEach(name, values, "language", "ISO 639", (v) => isIso639Code(v.value), result);
  }
  if (field.vocabulary !== undefined) {
    const terms = options.vocabularies?.get(field.vocabulary);
    if (!terms) {
      outcome(result, name, false, "vocabulary", `${field.vocabulary} (not loaded)`);
    } else {
      checkEach(name, values, "vocabulary", field.vocabulary, (v) => terms.has(v.value), result);
    }
  }
}

function checkEmbedded(field: EmbeddedField, record: RecordValues, result: ValidationResult) {
  const objects = record.objects[field.name] ?? [];
  checkCardinality(field.name, field, objects.length, [objects.length], result);
  const uriColumns = field.columns.filter((c) => c.kind === "uri");
  for (const column of uriColumns) {
    const values = objects.flatMap((o) => o.columns[column.label] ?? []);
    checkEach(field.name, values, "uri", true, (v) => isAbsoluteIri(v.value), result);
  }
}
