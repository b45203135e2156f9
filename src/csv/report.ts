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

/**
 * Failures for the row's `FILES`/`ITEM_FILES` paths that `exists` does not
 * find (e.g. a binaries source's `exists`), one `files_exist` per missing file.
 * Without a binaries location, a row with files gets one `binaries_location` failure.
 */
export async function missingFileFailures(
  row: ParsedRow,
  exists: ((path: string) => Promise<boolean>) | undefined,
): Promise<RuleOutcome[]> {
  const failed: RuleOutcome[] = [];
  const columns: [string, string[]][] = [
    ["FILES", row.pages.flatMap((p) => p.files)],
    ["ITEM_FILES", row.itemFiles],
  ];
  for (const [column, paths] of columns) {
    if (paths.length === 0) continue;
    if (!exists) {
      failed.push([column, "failed", "binaries_location", "set PlastronArg-binaries-location"]);
      continue;
    }
    for (const path of paths) {
      if (!(await exists(path))) failed.push([column, "failed", "files_exist", path]);
    }
  }
  return failed;
}
