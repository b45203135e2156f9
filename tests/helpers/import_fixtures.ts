/**
 * Paths of the import fixtures (`tests/fixtures/`, a copy of the project's
 * shared fixtures with their expected outcomes in its README) and a helper
 * that validates a fixture CSV row by row.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openImportCsv } from "../../src/csv/import_csv.ts";
import { type RowReport, validateRow } from "../../src/csv/report.ts";
import type { ParsedRow } from "../../src/csv/row.ts";
import type { RuleOutcome } from "../../src/models/validate.ts";
import type { ContentModel } from "../../src/models/types.ts";

/** The fixtures folder; `PLASTROND_FIXTURES` overrides it. */
export const FIXTURES = Deno.env.get("PLASTROND_FIXTURES") ??
  fileURLToPath(new URL("../fixtures", import.meta.url));

/** The absolute path of a fixture; fails clearly when the fixtures are missing. */
export function fixture(relative: string): string {
  const path = join(FIXTURES, relative);
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(
      `fixture ${path} is missing; set PLASTROND_FIXTURES to a fixtures folder`,
    );
  }
  return path;
}

/** One fixture row, parsed and validated. */
export interface CheckedRow {
  row: ParsedRow;
  report: RowReport;
}

/**
 * Streams a fixture CSV through the reader and validates every row;
 * `extraFailed` may add failures for a row (e.g. missing files).
 */
export async function checkFixture(
  model: ContentModel,
  relative: string,
  extraFailed: (row: ParsedRow) => Promise<RuleOutcome[]> | RuleOutcome[] = () => [],
): Promise<CheckedRow[]> {
  const file = await Deno.open(fixture(relative));
  const { rows } = await openImportCsv(model, file.readable);
  const out: CheckedRow[] = [];
  for await (const row of rows) {
    out.push({ row, report: validateRow(model, row, { extraFailed: await extraFailed(row) }) });
  }
  return out;
}

/** The `[field, rule]` pairs of a report's failures, for compact assertions. */
export function failures(report: RowReport): string[] {
  return report.failed.map(([field, , rule]) => `${field}:${rule}`);
}
