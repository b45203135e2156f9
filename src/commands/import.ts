/**
 * `import`: CSV rows to PCDM objects (SPEC §4). Rows without `URI` become new
 * objects with their pages, files and ORE order, each in one transaction at
 * a path minted and recorded beforehand; rows with `URI` get only the
 * difference, as one SPARQL Update in a transaction with `If-Match`. Every
 * row is validated against the content model; job state in
 * `IMPORT.JOBS_DIR` lets a resumed or replayed job continue where it stopped.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { diffQuads, quadsToRecord, recordToQuads } from "../csv/graph.ts";
import { CsvHeaderError, openImportCsv } from "../csv/import_csv.ts";
import { CsvSyntaxError, readCsv } from "../csv/read.ts";
import { missingFileFailures, type RowReport, validateRow } from "../csv/report.ts";
import type { ParsedRow } from "../csv/row.ts";
import { BadRequestError } from "../errors.ts";
import { expandCurie } from "../models/prefixes.ts";
import { getModel, modelNames } from "../models/registry.ts";
import type { ContentModel } from "../models/types.ts";
import type { Vocabulary } from "../models/vocabulary.ts";
import { isAbsoluteIri, outsideRepositoryReason, type RuleOutcome } from "../models/validate.ts";
import { RepositoryClient } from "../repository/client.ts";
import {
  CommitOutcomeUnknownError,
  RepositoryError,
  TransactionError,
} from "../repository/errors.ts";
import type { BinarySource } from "../transfer/binary_source.ts";
import { openBinarySource } from "../transfer/open_binary_source.ts";
import { delay } from "./echo.ts";
import { createObject } from "./import/create_object.ts";
import { loadVocabularies, withConfiguredVocabularies } from "./import/vocabularies.ts";
import { ImportJobState, rowKey, type RowOutcome } from "./import/job_state.ts";
import { orderedPool } from "../runner/pool.ts";
import { IMPORT_DEFINITION } from "./definitions.ts";
import type { Command, CommandContext, CommandResult, Progress } from "./types.ts";

const logger = getLogger(["plastrond", "commands", "import"]);

/** The counts of SPEC §4 (`updated` counts every row written, `created` the new ones). */
export interface ImportCounts {
  total: number;
  rows: number;
  valid: number;
  invalid: number;
  updated: number;
  created: number;
  unchanged: number;
  errors: number;
  files: number;
}

/** What can be replaced in tests (fault injection only). */
export interface ImportDependencies {
  openBinarySource?: typeof openBinarySource;
  /** Called between reading an existing object and writing its difference. */
  beforeUpdate?: (uri: string) => Promise<void>;
}

/** The import job's arguments, checked. */
interface ImportOptions {
  model: ContentModel;
  validateOnly: boolean;
  limit?: number;
  accessType?: string;
  memberOf?: string;
  binariesLocation?: string;
  relpath?: string;
  resume: boolean;
}

/**
 * The `relpath` argument, refused (a bad request) unless it names a
 * container under the endpoint: no `..` segment (also percent-encoded), no
 * URI, no `?`, `#`, backslash or control character.
 */
function checkedRelpath(relpath: string | undefined, endpoint: string): string | undefined {
  if (relpath === undefined) return undefined;
  const refuse = (why: string) =>
    new BadRequestError(
      `argument relpath ${JSON.stringify(relpath)} ${why}; give a container path under the ` +
        "repository endpoint, such as collections/posters",
    );
  let decoded: string;
  try {
    decoded = decodeURIComponent(relpath);
  } catch {
    throw refuse("has a broken percent-encoding");
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(decoded)) throw refuse("is a URI, not a path");
  // deno-lint-ignore no-control-regex
  if (/[?#\\\u0000-\u001f\u007f]/.test(decoded)) {
    throw refuse("contains ?, #, a backslash or a control character");
  }
  if (decoded.split("/").some((segment) => segment === "..")) throw refuse("goes up with ..");
  const root = endpoint.replace(/\/+$/, "");
  if (outsideRepositoryReason(`${root}/${relpath.replace(/^\/+/, "")}`, root)) {
    throw refuse("is not under the repository endpoint");
  }
  return relpath;
}

function importOptions(args: CommandContext["args"], endpoint: string): ImportOptions {
  const modelName = String(args["model"] ?? "");
  const model = getModel(modelName);
  if (!model) {
    throw new BadRequestError(
      `argument model ${JSON.stringify(modelName)} is not a content model; use one of ${
        modelNames().join(", ")
      }`,
    );
  }
  const limit = args["limit"] as number | undefined;
  if (limit !== undefined && limit < 0) {
    throw new BadRequestError(`argument limit must not be negative, not ${limit}`);
  }
  const access = args["access"] as string | undefined;
  let accessType: string | undefined;
  if (access) {
    accessType = isAbsoluteIri(access) && !expandCurie(access) ? access : expandCurie(access);
    if (!accessType || !isAbsoluteIri(accessType)) {
      throw new BadRequestError(
        `argument access ${JSON.stringify(access)} is neither a URI nor a known CURIE`,
      );
    }
  }
  const memberOf = (args["member-of"] as string | undefined) || undefined;
  if (memberOf && !isAbsoluteIri(memberOf)) {
    throw new BadRequestError(`argument member-of ${JSON.stringify(memberOf)} is not a URI`);
  }
  return {
    model,
    validateOnly: args["validate-only"] === true,
    limit,
    accessType,
    memberOf,
    binariesLocation: (args["binaries-location"] as string | undefined) || undefined,
    relpath: checkedRelpath((args["relpath"] as string | undefined) || undefined, endpoint),
    resume: args["resume"] === true,
  };
}

/** Whether two CSV texts are the same but for line ends and trailing white space. */
function sameCsv(a: string, b: string): boolean {
  const normal = (text: string) => text.replace(/\r\n?/g, "\n").trimEnd();
  return normal(a) === normal(b);
}

async function countRows(csv: string, limit?: number): Promise<number> {
  let n = -1; // the header
  for await (const _ of readCsv(csv)) n++;
  n = Math.max(0, n);
  return limit === undefined ? n : Math.min(n, limit);
}

/**
 * The ETag for `If-Match`: Fedora sends weak ETags (`W/"…"`) but compares
 * `If-Match` strongly, so only the opaque tag itself matches.
 */
function strongEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, "");
}

/**
 * Pauses before a new object's row is written again after the repository
 * refused its commit (at most as many retries as pauses).
 */
const COMMIT_RETRY_DELAYS_MS = [2000, 5000];

/**
 * A commit the repository refused (409: nothing was saved), e.g. Fedora 6's
 * containment index timing out on a lock held by a concurrent commit of a
 * large object: the row may be written again. A commit whose answer was lost
 * is not one (its work may be saved).
 */
function isRefusedCommit(error: unknown): boolean {
  return error instanceof TransactionError && !(error instanceof CommitOutcomeUnknownError) &&
    error.status === 409 && (error.method === "PUT" || error.uri.endsWith("/fcr:commit"));
}

/** How long to wait for an abandoned transaction that might be committing. */
const LOCK_SETTLE_MS = 3000;

/** A 409 because another (abandoned) transaction holds the resource. */
function isHeldByOtherTransaction(error: unknown): boolean {
  return error instanceof RepositoryError && error.status === 409 &&
    /another transaction/i.test(`${error.serverMessage ?? ""} ${error.message}`);
}

function reasonOf(error: unknown): string {
  if (error instanceof RepositoryError && error.status === 412) {
    return "the object changed in the repository meanwhile; run again";
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The failure of a row whose `URI` is not in the repository (not under
 * `REST_ENDPOINT`; the offending URI is the rule's argument): such a URI is
 * never requested, since the repository's credentials go with every request.
 */
function repositoryUriFailures(uri: string, endpoint: string): RuleOutcome[] {
  return outsideRepositoryReason(uri, endpoint) ? [["URI", "failed", "in_repository", uri]] : [];
}

/**
 * A progress report (SPEC §3): the counts, `import_in_progress` or
 * `validate_in_progress`, and the integer percentage of rows done (every
 * row read is updated, unchanged, failed or invalid, or validated).
 */
function importProgress(counts: ImportCounts, validateOnly: boolean): Progress {
  return {
    count: { ...counts },
    state: validateOnly ? "validate_in_progress" : "import_in_progress",
    progress: counts.total > 0 ? Math.min(100, Math.floor((counts.rows / counts.total) * 100)) : 0,
  };
}

/** At most this many rows of one job are in flight, whatever `DAEMON.JOB_WORKERS` says. */
const MAX_ROW_WORKERS = 16;

/** A data row with its identity for resume (see {@linkcode rowKey}). */
interface KeyedRow {
  row: ParsedRow;
  key: string;
}

/**
 * The data rows to process, in order (at most `limit`), each with its
 * identity for resume (see {@linkcode rowKey}).
 */
async function* keyedRows(
  rows: AsyncIterable<ParsedRow>,
  model: ContentModel,
  limit: number | undefined,
  signal: AbortSignal,
): AsyncGenerator<KeyedRow, void, void> {
  const occurrences = new Map<string, number>();
  let position = 0;
  for await (const row of rows) {
    if (limit !== undefined && position >= limit) return;
    signal.throwIfAborted();
    position++;
    const identifiers = model.identifierField
      ? row.values.fields[model.identifierField]?.map((v) => v.value)
      : undefined;
    const idText = JSON.stringify(identifiers ?? []);
    const occurrence = occurrences.get(idText) ?? 0;
    occurrences.set(idText, occurrence + 1);
    yield { row, key: rowKey(identifiers, position, occurrence) };
  }
}

/** What became of one row; taken in row order by the job. */
type ProcessedRow =
  & KeyedRow
  & { report: RowReport }
  & (
    | { kind: "invalid"; reason: string }
    | { kind: "valid" }
    | { kind: "done"; outcome: RowOutcome; uri: string; files: number; recorded: boolean }
    | { kind: "error"; reason: string }
  );

/** What every row of one job shares. */
interface RowJob {
  context: CommandContext;
  dependencies: ImportDependencies;
  model: ContentModel;
  options: ImportOptions;
  vocabularies: Map<string, Vocabulary>;
  source?: BinarySource;
  /** Absent in validate-only mode. */
  repo?: RepositoryClient;
  state?: ImportJobState;
  /** Where new objects are created. */
  container: string;
}

/**
 * Validate one row and, unless the job only validates, write it: a new
 * object in one transaction at a path recorded beforehand, or the difference
 * of an existing one. Runs concurrently with other rows of the job; a failure
 * of the row is its outcome, never an exception (except when the job is
 * being stopped).
 */
async function processRow(job: RowJob, { row, key }: KeyedRow): Promise<ProcessedRow> {
  const { context, model, options, source, repo, state } = job;
  const extraFailed = row.uri
    ? repositoryUriFailures(row.uri, context.config.repository.restEndpoint)
    : await missingFileFailures(row, source && ((p) => source.exists(p)));
  const report = validateRow(model, row, {
    extraFailed,
    vocabularies: job.vocabularies,
  });
  if (!report.is_valid) {
    const reason = report.failed.map(([field, , rule, arg]) =>
      `${field} ${rule} ${JSON.stringify(arg)}`
    ).join("; ");
    return { row, key, report, kind: "invalid", reason };
  }
  if (options.validateOnly || !state || !repo) return { row, key, report, kind: "valid" };

  const done = state.completed.get(key);
  if (done) {
    return {
      row,
      key,
      report,
      kind: "done",
      outcome: done.outcome,
      uri: done.uri,
      // records written before `files` was kept: a created object has all its row's files
      files: done.files ?? (done.outcome === "created" ? fileCount(row) : 0),
      recorded: true,
    };
  }
  try {
    const written = row.uri
      ? await updateObject(job, row, row.uri)
      : await createNewObject(job, row, key);
    return { row, key, report, kind: "done", ...written, recorded: false };
  } catch (error) {
    if (context.signal.aborted) throw context.signal.reason;
    const reason = reasonOf(error);
    logger.warn("Import job {jobId}, line {line}: {reason}", {
      jobId: context.jobId,
      line: row.line,
      reason,
    });
    return { row, key, report, kind: "error", reason };
  }
}

/**
 * The binaries a new row's object gets: every file of its pages and its own
 * (an object is created in one transaction, so a committed one has them all).
 */
function fileCount(row: ParsedRow): number {
  return row.pages.reduce((n, page) => n + page.files.length, 0) + row.itemFiles.length;
}

/** The outcome of writing one valid row. */
interface Written {
  outcome: RowOutcome;
  uri: string;
  files: number;
}

/** Write the difference between the repository's object and the row. */
async function updateObject(job: RowJob, row: ParsedRow, uri: string): Promise<Written> {
  const repo = job.repo!;
  // The precondition (Fedora 6's state token, else the ETag) is the one of the
  // default representation (Fedora gives another ETag for a Prefer-filtered one),
  // read before the graph: a change in between makes the update fail with 412
  // rather than be lost.
  const head = await repo.head(uri);
  const unchanged = { etag: strongEtag(head.etag), stateToken: head.stateToken };
  const current = await repo.getGraph(uri, { omitServerManaged: true });
  const { managed } = quadsToRecord(job.model, current.graph, uri);
  const diff = diffQuads(managed, recordToQuads(job.model, row.values, uri));
  if (diff.deletes.length === 0 && diff.inserts.length === 0) {
    return { outcome: "unchanged", uri, files: 0 };
  }
  await job.dependencies.beforeUpdate?.(uri);
  await repo.transaction((tx) => tx.patch(uri, diff, unchanged));
  return { outcome: "updated", uri, files: 0 };
}

/**
 * Create the object of a new row at the path minted for it (minting and
 * recording one first); an object an earlier run committed there is not
 * created again.
 */
async function createNewObject(job: RowJob, row: ParsedRow, key: string): Promise<Written> {
  const { context, options, source } = job;
  const repo = job.repo!;
  const state = job.state!;
  const writeOnce = (objectUri: string) =>
    repo.transaction((tx) =>
      createObject(
        tx,
        {
          uri: objectUri,
          metadata: recordToQuads(job.model, row.values, objectUri),
          pages: row.pages,
          itemFiles: row.itemFiles,
          accessType: options.accessType,
          memberOf: options.memberOf,
        },
        source,
        context.signal,
      )
    );
  const write = async (objectUri: string) => {
    for (let attempt = 0;; attempt++) {
      try {
        return await writeOnce(objectUri);
      } catch (error) {
        if (error instanceof CommitOutcomeUnknownError) {
          // Whether the commit went through shows in the repository itself.
          if (await repo.exists(objectUri)) {
            logger.info("Row {line}: the commit's answer was lost, but {uri} exists: committed", {
              line: row.line,
              uri: objectUri,
            });
            return { files: fileCount(row) };
          }
          throw new TransactionError(
            "the repository did not confirm the commit and the object does not exist: " +
              "nothing was saved; run the job again",
            { method: error.method, uri: error.uri, status: error.status, cause: error },
          );
        }
        const pause = COMMIT_RETRY_DELAYS_MS[attempt];
        if (pause === undefined || !isRefusedCommit(error)) throw error;
        logger.info(
          "Row {line}: the repository refused to commit {uri} ({reason}); writing it again in {seconds} s",
          { line: row.line, uri: objectUri, reason: reasonOf(error), seconds: pause / 1000 },
        );
        await delay(pause, context.signal);
      }
    }
  };
  const mint = async () => {
    const fresh = `${job.container}/${crypto.randomUUID()}`;
    await state.recordMinted(key, fresh);
    return fresh;
  };
  let uri = state.minted.get(key);
  if (uri && (await repo.exists(uri))) {
    // committed by an earlier run that stopped before recording it
    logger.info("Row {line}: {uri} exists from an earlier run; not created again", {
      line: row.line,
      uri,
    });
    return { outcome: "created", uri, files: fileCount(row) };
  }
  if (!uri) {
    uri = await mint();
    return { outcome: "created", uri, files: (await write(uri)).files };
  }
  try {
    return { outcome: "created", uri, files: (await write(uri)).files };
  } catch (error) {
    if (!isHeldByOtherTransaction(error)) throw error;
    // An earlier run died with its transaction open on this path; the repository
    // rolls that back on its timeout. Unless it was being committed (then the
    // object appears in a moment), write the row at a new path.
    await delay(LOCK_SETTLE_MS, context.signal);
    if (await repo.exists(uri)) return { outcome: "created", uri, files: fileCount(row) };
    logger.info(
      "Row {line}: {uri} is held by an abandoned transaction; creating the object at a new path",
      { line: row.line, uri },
    );
    uri = await mint();
    return { outcome: "created", uri, files: (await write(uri)).files };
  }
}

/** Runs an import job; see {@linkcode importCommand}. */
export async function* runImport(
  context: CommandContext,
  dependencies: ImportDependencies = {},
): AsyncGenerator<Progress, CommandResult, void> {
  const options = importOptions(context.args, context.config.repository.restEndpoint);
  const { validateOnly } = options;
  let model: ContentModel;
  let vocabularies: Map<string, Vocabulary>;
  try {
    model = withConfiguredVocabularies(options.model, context.config);
    vocabularies = await loadVocabularies(model);
  } catch (error) {
    const message = `Nothing was imported: ${(error as Error).message}`;
    return {
      status: "Failed",
      state: "import_failed",
      error: message,
      body: { type: "import_failed", error: message },
    };
  }
  const state = validateOnly
    ? undefined
    : await ImportJobState.open(context.config.commands.import.jobsDir, context.jobId);

  let csv = context.body;
  const stored = await state?.storedCsv();
  if (csv.trim() === "") {
    if (stored === undefined) {
      throw new BadRequestError(
        options.resume
          ? `resume: no CSV is stored for job ${context.jobId}; send the CSV as the body`
          : "the body is empty; send the CSV to import",
      );
    }
    csv = stored;
  } else if (state && stored === undefined) {
    await state.saveCsv(csv);
  } else if (stored !== undefined && !sameCsv(stored, csv)) {
    // the rows done so far belong to the first CSV: keep it, refuse this one
    throw new BadRequestError(
      `this job id was already used with another CSV (job ${context.jobId}); ` +
        "the first CSV is kept: send the same CSV, or resume with an empty body to continue " +
        "with it, or send this CSV under a new job id",
    );
  }
  if (state?.started && !options.resume) {
    logger.info("Import job {jobId} ran before; continuing where it stopped", {
      jobId: context.jobId,
    });
  }

  const counts: ImportCounts = {
    total: 0,
    rows: 0,
    valid: 0,
    invalid: 0,
    updated: 0,
    created: 0,
    unchanged: 0,
    errors: 0,
    files: 0,
  };
  const validation: RowReport[] = [];
  const uris = { created: [] as string[], updated: [] as string[] };
  const errors: { line: string; reason: string }[] = [];

  let rows: AsyncGenerator<ParsedRow, void, void> | undefined;
  try {
    rows = (await openImportCsv(model, csv)).rows;
    // reads the whole CSV once: a syntax error anywhere refuses the job before any write
    counts.total = await countRows(csv, options.limit);
  } catch (error) {
    await rows?.return();
    if (!(error instanceof CsvHeaderError || error instanceof CsvSyntaxError)) throw error;
    const message = `The CSV was refused, nothing was written: ${error.message}`;
    return {
      status: "Failed",
      state: "validate_failed",
      error: message,
      body: {
        type: "validate_failed",
        error: message,
        problems: error instanceof CsvHeaderError ? error.problems : [error.message],
        ...(error instanceof CsvSyntaxError && error.line !== undefined
          ? { line: `body:${error.line}` }
          : {}),
        count: counts,
        validation,
      },
    };
  }
  yield importProgress(counts, validateOnly);

  let source: BinarySource | undefined;
  let repo: RepositoryClient | undefined;
  try {
    if (options.binariesLocation) {
      source = await (dependencies.openBinarySource ?? openBinarySource)(
        options.binariesLocation,
        context.config.commands,
      );
    }
    let container = "";
    if (!validateOnly) {
      const repository = { ...context.config.repository };
      if (options.relpath) repository.relpath = `/${options.relpath.replace(/^\/+/, "")}`;
      repo = await RepositoryClient.create(repository, { onBehalfOf: context.onBehalfOf });
      container = repo.baseContainer;
      await repo.ensureContainer(container);
    }

    const job: RowJob = {
      context,
      dependencies,
      model,
      options,
      vocabularies,
      source,
      repo,
      state,
      container,
    };
    const workers = Math.max(1, Math.min(context.config.daemon.jobWorkers, MAX_ROW_WORKERS));
    // Rows are processed by a bounded pool; their outcomes are taken in row
    // order, so counts, reports, URIs and the job state's logs are the same
    // whatever the pool size.
    for await (
      const outcome of orderedPool(
        keyedRows(rows, model, options.limit, context.signal),
        workers,
        (r) => processRow(job, r),
      )
    ) {
      const { row, key } = outcome;
      counts.rows++;
      validation.push(outcome.report);
      switch (outcome.kind) {
        case "invalid":
          counts.invalid++;
          await state?.recordDropped({ key, line: row.line, reason: outcome.reason });
          break;
        case "valid":
          counts.valid++;
          break;
        case "done":
          counts.valid++;
          counts.files += outcome.files;
          if (outcome.outcome === "unchanged") counts.unchanged++;
          else counts.updated++;
          if (outcome.outcome === "created") {
            counts.created++;
            uris.created.push(outcome.uri);
          } else if (outcome.outcome === "updated") uris.updated.push(outcome.uri);
          if (!outcome.recorded) {
            await state!.recordCompleted({
              key,
              line: row.line,
              outcome: outcome.outcome,
              uri: outcome.uri,
              files: outcome.files,
            });
          }
          break;
        case "error":
          counts.valid++;
          counts.errors++;
          errors.push({ line: outcome.report.line, reason: outcome.reason });
          await state!.recordDropped({ key, line: row.line, reason: outcome.reason });
          break;
      }
      yield importProgress(counts, validateOnly);
      // Stopping: rows still in flight are rolled back or, if committed, found
      // at their recorded paths by the next run; none is taken after this one.
      context.signal.throwIfAborted();
    }
  } finally {
    await source?.close();
    repo?.close();
  }

  const succeeded = counts.updated + counts.unchanged;
  const body: Record<string, unknown> = { count: counts, validation, uris };
  if (errors.length) body.errors = errors;
  if (validateOnly) {
    const ok = counts.invalid === 0;
    const type = ok ? "validate_success" : "validate_failed";
    return ok ? { status: "Done", state: type, body: { type, ...body } } : {
      status: "Failed",
      state: type,
      error: `${counts.invalid} of ${counts.rows} rows are invalid; see the validation report`,
      body: { type, ...body },
    };
  }
  if (succeeded === 0) {
    const error = counts.rows === 0
      ? "the CSV has no data rows"
      : `no row was imported: ${counts.invalid} invalid, ${counts.errors} failed; see the validation report and errors`;
    return {
      status: "Failed",
      state: "import_failed",
      error,
      body: { type: "import_failed", ...body },
    };
  }
  const type = counts.invalid + counts.errors === 0 ? "import_complete" : "import_incomplete";
  return { status: "Done", state: type, body: { type, ...body } };
}

/** The `import` command (SPEC §4). */
export const importCommand: Command = {
  ...IMPORT_DEFINITION,
  run: (context) => runImport(context),
};
