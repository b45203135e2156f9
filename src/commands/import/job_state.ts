/**
 * The state of one import job on disk, in `IMPORT.JOBS_DIR/<job folder>/`
 * (the folder name from `jobFileName`): the submitted CSV (`source.csv`),
 * the paths minted for new objects before their transactions
 * (`minted.jsonl`), the completed rows (`completed.jsonl`) and, per run, the
 * dropped rows (`dropped-<run>.jsonl`). Each record is one line appended and
 * synced before the work it announces goes on; a torn last line (a crash
 * mid-write) is ignored on reading.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../store/atomic_file.ts";
import { jobFileName } from "../../store/job_file_name.ts";

/** What became of a completed row. */
export type RowOutcome = "created" | "updated" | "unchanged";

/** One line of `completed.jsonl`. */
export interface CompletedRow {
  /** The row's identity (see {@linkcode rowKey}). */
  key: string;
  line: number;
  outcome: RowOutcome;
  uri: string;
  /** Binaries uploaded for the row (absent in records of older versions). */
  files?: number;
}

/** One line of a run's `dropped-<run>.jsonl`: a row that was invalid or failed. */
export interface DroppedRow {
  key: string;
  line: number;
  reason: string;
}

async function readLines<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a line torn by a crash: the work it announced is redone
    }
  }
  return out;
}

async function appendLine(path: string, value: unknown): Promise<void> {
  using file = await Deno.open(path, { append: true, create: true });
  const bytes = new TextEncoder().encode(JSON.stringify(value) + "\n");
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
  await file.sync();
}

/**
 * A row's identity for resume: the model's identifier values when it has an
 * identifier column and the row has a value, else its position among the
 * data rows; `occurrence` tells apart rows that repeat an identifier.
 */
export function rowKey(
  identifiers: readonly string[] | undefined,
  position: number,
  occurrence: number,
): string {
  if (identifiers && identifiers.length > 0) {
    return `id:${JSON.stringify(identifiers)}${occurrence > 0 ? `#${occurrence}` : ""}`;
  }
  return `row:${position}`;
}

/** An import job's folder. */
export class ImportJobState {
  /** The job's folder. */
  readonly dir: string;
  /** Completed rows by key. */
  readonly completed: Map<string, CompletedRow>;
  /** Minted object URIs by row key. */
  readonly minted: Map<string, string>;
  /** This run's name (for its dropped-rows log). */
  readonly run: string;
  /** Appends one after the other, so concurrent rows never interleave a line. */
  #appends: Promise<void> = Promise.resolve();

  private constructor(
    dir: string,
    completed: Map<string, CompletedRow>,
    minted: Map<string, string>,
  ) {
    this.dir = dir;
    this.completed = completed;
    this.minted = minted;
    this.run = new Date().toISOString().replace(/[:.]/g, "-");
  }

  /** Opens (creating) the folder of `jobId` under `jobsDir` and reads what earlier runs did. */
  static async open(jobsDir: string, jobId: string): Promise<ImportJobState> {
    const dir = join(jobsDir, jobFileName(jobId));
    try {
      await Deno.mkdir(dir, { recursive: true });
    } catch (error) {
      throw new Error(
        `cannot create the import job folder ${dir} (${(error as Error).message}); ` +
          "check COMMANDS.IMPORT.JOBS_DIR",
      );
    }
    const completed = new Map<string, CompletedRow>();
    for (const row of await readLines<CompletedRow>(join(dir, "completed.jsonl"))) {
      completed.set(row.key, row);
    }
    const minted = new Map<string, string>();
    for (const m of await readLines<{ key: string; uri: string }>(join(dir, "minted.jsonl"))) {
      minted.set(m.key, m.uri);
    }
    return new ImportJobState(dir, completed, minted);
  }

  /** Whether an earlier run of this job did anything. */
  get started(): boolean {
    return this.completed.size > 0 || this.minted.size > 0;
  }

  /** The CSV stored by an earlier run, if any. */
  async storedCsv(): Promise<string | undefined> {
    try {
      return await Deno.readTextFile(join(this.dir, "source.csv"));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  /** Stores the submitted CSV (atomically). */
  async saveCsv(text: string): Promise<void> {
    await writeFileAtomic(join(this.dir, "source.csv"), text);
  }

  /** Records the path minted for a new object, before its transaction starts. */
  async recordMinted(key: string, uri: string): Promise<void> {
    await this.#append("minted.jsonl", { key, uri });
    this.minted.set(key, uri);
  }

  /** Records a completed row. */
  async recordCompleted(row: CompletedRow): Promise<void> {
    await this.#append("completed.jsonl", row);
    this.completed.set(row.key, row);
  }

  /** Records a row this run dropped (invalid or failed). */
  async recordDropped(row: DroppedRow): Promise<void> {
    await this.#append(`dropped-${this.run}.jsonl`, row);
  }

  #append(file: string, value: unknown): Promise<void> {
    const next = this.#appends.then(() => appendLine(join(this.dir, file), value));
    this.#appends = next.catch(() => {});
    return next;
  }
}
