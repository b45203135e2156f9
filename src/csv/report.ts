/**
 * The per-row report of SPEC §4: `{line, is_valid, passed, failed, warnings}`.
 *
 * @module
 */
import type { ContentModel } from "../models/types.ts";
import { type RuleOutcome, type ValidateOptions, validateRecord } from "../models/validate.ts";
import type { ParsedRow } from "./row.ts";

/** One row's validation report, as sent in the import result. */
export interface RowReport {
  /** `<source>:<n>`: `body` for a message body, n the physical start line. */
  line: string;
  is_valid: boolean;
  passed: RuleOutcome[];
  failed: RuleOutcome[];
  warnings: string[];
}

/** Options for {@linkcode validateRow}. */
export interface ValidateRowOptions extends ValidateOptions {
  /** The `<source>` of `line` (default `body`). */
  source?: string;
  /** More failures found elsewhere, e.g. files missing from the binaries location. */
  extraFailed?: RuleOutcome[];
}

/**
 * Validates a parsed row: its row-level problems plus every rule of the model.
 * A row with too many cells is reported with that one problem only.
 */
export function validateRow(
  model: ContentModel,
  row: ParsedRow,
  options: ValidateRowOptions = {},
): RowReport {
  const line = `${options.source ?? "body"}:${row.line}`;
  if (row.tooManyCells) {
    return {
      line,
      is_valid: false,
      passed: [],
      failed: [...row.problems],
      warnings: [...row.warnings],
    };
  }
  const { passed, failed } = validateRecord(model, row.values, options);
  failed.push(...row.problems, ...(options.extraFailed ?? []));
  return { line, is_valid: failed.length === 0, passed, failed, warnings: [...row.warnings] };
}
