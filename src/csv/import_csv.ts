/**
 * Opens an import CSV: reads the header against the model (an unknown header
 * refuses the job before any row is read), then yields parsed rows one by one.
 *
 * @module
 */
import type { ContentModel } from "../models/types.ts";
import { type HeaderPlan, planHeader } from "./header.ts";
import { readCsv } from "./read.ts";
import { type ParsedRow, parseRow } from "./row.ts";

/** The header was refused: the job must not write anything. */
export class CsvHeaderError extends Error {
  override name = "CsvHeaderError";
  /** Every problem of the header. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join(" "));
    this.problems = problems;
  }
}

/** An opened import CSV. */
export interface ImportCsv {
  plan: HeaderPlan;
  /** The data rows in file order. */
  rows: AsyncGenerator<ParsedRow, void, void>;
}

/**
 * Reads the header of `source` for `model` and returns the row reader.
 *
 * @throws {CsvHeaderError} on an empty file or a refused header.
 */
export async function openImportCsv(
  model: ContentModel,
  source: string | ReadableStream<Uint8Array>,
): Promise<ImportCsv> {
  const records = readCsv(source);
  const first = await records.next();
  if (first.done) {
    throw new CsvHeaderError(["The CSV is empty; send a header row and at least one data row."]);
  }
  const plan = planHeader(model, first.value.cells);
  if (plan.errors.length) {
    await records.return();
    throw new CsvHeaderError(plan.errors);
  }
  async function* rows(): AsyncGenerator<ParsedRow, void, void> {
    for await (const record of records) yield parseRow(plan, record.line, record.cells);
  }
  return { plan, rows: rows() };
}
