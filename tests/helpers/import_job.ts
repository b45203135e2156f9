/**
 * Runs the import command directly (no broker) against the test bed's
 * Fedora, in a fresh container, collecting its progress and result.
 *
 * @module
 */
import type { Config } from "../../src/config/types.ts";
import type { CommandResult, ParsedArgs, Progress } from "../../src/commands/types.ts";
import { type ImportDependencies, runImport } from "../../src/commands/import.ts";
import { RepositoryClient } from "../../src/repository/client.ts";
import { testConfig } from "../support/pcdm_objects.ts";

/** A repository area and job folder of one test. */
export interface ImportBed {
  config: Config;
  /** The `RELPATH` container new objects go into. */
  container: string;
  repo: RepositoryClient;
  jobsDir: string;
  close(): Promise<void>;
}

/** A fresh container under `/plastrond-test/` and a fresh `JOBS_DIR`. */
export async function importBed(): Promise<ImportBed> {
  const jobsDir = await Deno.makeTempDir({ prefix: "plastrond-import-jobs-" });
  const base = testConfig({ import: { jobsDir } });
  const relpath = `/plastrond-test/import-${crypto.randomUUID()}`;
  const config: Config = { ...base, repository: { ...base.repository, relpath } };
  const repo = await RepositoryClient.create(config.repository);
  await repo.ensureContainer(`${repo.endpoint}/plastrond-test`);
  await repo.ensureContainer(repo.baseContainer);
  return {
    config,
    container: repo.baseContainer,
    repo,
    jobsDir,
    async close() {
      repo.close();
      await Deno.remove(jobsDir, { recursive: true }).catch(() => {});
    },
  };
}

/** One run of an import job. */
export interface ImportRun {
  progress: Progress[];
  result: CommandResult;
  count: Record<string, number>;
}

/** Runs one import job to its end (or until `signal` aborts it, which rejects). */
export async function runImportJob(
  bed: ImportBed,
  body: string,
  args: ParsedArgs,
  options: {
    jobId?: string;
    signal?: AbortSignal;
    dependencies?: ImportDependencies;
    onProgress?: (p: Progress) => void;
  } = {},
): Promise<ImportRun> {
  const generator = runImport({
    jobId: options.jobId ?? `test-import-${crypto.randomUUID()}`,
    args: { "validate-only": false, resume: false, ...args },
    body,
    config: bed.config,
    signal: options.signal ?? new AbortController().signal,
  }, options.dependencies);
  const progress: Progress[] = [];
  for (;;) {
    const step = await generator.next();
    if (step.done) {
      return {
        progress,
        result: step.value,
        count: step.value.body.count as Record<string, number>,
      };
    }
    progress.push(step.value);
    options.onProgress?.(step.value);
  }
}
