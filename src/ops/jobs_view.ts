/**
 * `/jobs` and `/jobs/<id>`: what the daemon knows about its jobs, from its
 * own records — the runner's queued and running jobs (with their latest
 * progress) and the message store's finished records (with the outcome and
 * its error).
 *
 * @module
 */
import type { RunningDaemon } from "../daemon.ts";
import type { FinishedRecord } from "../store/message_store.ts";

/** One job as the operator sees it. */
export interface JobView {
  jobId: string;
  /** `queued`, `running`, or the finished status: `Done`, `Failed`, `Error`. */
  state: string;
  command?: string;
  /** `PlastronJobState` of a finished job, e.g. `export_complete`. */
  jobState?: string;
  /** The latest progress a running job reported. */
  progress?: Record<string, unknown>;
  /** `PlastronJobError` of a finished job that did not succeed. */
  lastError?: string;
  startedAt?: string;
  finishedAt?: string;
  /** The completion's JSON body (only for `/jobs/<id>`). */
  result?: unknown;
}

/** Default and largest number of finished jobs `/jobs` lists. */
export const JOBS_LIMIT = { default: 100, max: 1000 } as const;

/** Running and queued jobs first, then the `limit` most recently finished. */
export async function listJobs(daemon: RunningDaemon, limit: number): Promise<JobView[]> {
  const active = daemon.runner.activeJobs.map((job): JobView => ({
    jobId: job.jobId,
    state: job.state,
    command: job.command,
    progress: job.progress,
    startedAt: job.startedAt === undefined ? undefined : new Date(job.startedAt).toISOString(),
  }));
  const activeIds = new Set(active.map((job) => job.jobId));
  const finished = (await daemon.store.listFinished())
    .filter((record) => !activeIds.has(record.jobId))
    .sort((a, b) => b.finishedAt - a.finishedAt)
    .slice(0, limit)
    .map((record) => finishedView(record, false));
  return [...active, ...finished];
}

/** One job, or `undefined` when the daemon has no record of it. */
export async function findJob(daemon: RunningDaemon, jobId: string): Promise<JobView | undefined> {
  const job = daemon.runner.activeJobs.find((j) => j.jobId === jobId);
  if (job) {
    return {
      jobId,
      state: job.state,
      command: job.command,
      progress: job.progress,
      startedAt: job.startedAt === undefined ? undefined : new Date(job.startedAt).toISOString(),
    };
  }
  const record = await daemon.store.getFinished(jobId);
  return record ? finishedView(record, true) : undefined;
}

function finishedView(record: FinishedRecord, withResult: boolean): JobView {
  const headers = record.completion.headers;
  let result: unknown;
  if (withResult) {
    try {
      result = JSON.parse(record.completion.body);
    } catch {
      result = record.completion.body;
    }
  }
  return {
    jobId: record.jobId,
    state: headers.PlastronJobStatus ?? "finished",
    jobState: headers.PlastronJobState,
    lastError: headers.PlastronJobError,
    finishedAt: new Date(record.finishedAt).toISOString(),
    result,
  };
}
