/**
 * The frames plastrond sends about a job: progress and completion, with the
 * headers of the message protocol (SPEC §3).
 *
 * @module
 */
import type { OutgoingMessage } from "../store/message_store.ts";

/** `PlastronJobStatus` values. */
export type JobStatus = "Done" | "Failed" | "Error";

/** The outcome of a job run, before it becomes a completion frame. */
export interface JobOutcome {
  status: JobStatus;
  /** `PlastronJobState`, e.g. `export_complete` or `echo_error`. */
  state: string;
  /** `PlastronJobError`: one line a librarian can act on (for Failed/Error). */
  error?: string;
  /** The JSON body. */
  body: Record<string, unknown>;
}

/** Who a message is about. */
export interface JobAddress {
  jobId: string;
  statusUrl?: string;
}

function baseHeaders(job: JobAddress): Record<string, string> {
  const headers: Record<string, string> = { PlastronJobId: job.jobId, persistent: "true" };
  if (job.statusUrl) headers.PlastronStatusURL = job.statusUrl;
  return headers;
}

/** The one-line form of an error text (headers cannot hold line breaks). */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

/** An `Error` outcome for a job that could not run. */
export function errorOutcome(command: string, message: string): JobOutcome {
  const error = oneLine(message);
  return {
    status: "Error",
    state: `${command || "job"}_error`,
    error,
    body: { type: "Error", state: `${command || "job"}_error`, progress: 0, error },
  };
}

/** Build the completion frame of a job. */
export function completionMessage(
  destination: string,
  job: JobAddress,
  outcome: JobOutcome,
): OutgoingMessage {
  const headers = baseHeaders(job);
  headers.PlastronJobStatus = outcome.status;
  headers.PlastronJobState = outcome.state;
  if (outcome.error && outcome.status !== "Done") headers.PlastronJobError = oneLine(outcome.error);
  headers["content-type"] = "application/json";
  return { destination, headers, body: JSON.stringify(outcome.body) };
}

/** Build a progress frame. */
export function progressMessage(
  destination: string,
  job: JobAddress,
  body: Record<string, unknown>,
): OutgoingMessage {
  const headers = baseHeaders(job);
  headers["content-type"] = "application/json";
  return { destination, headers, body: JSON.stringify(body) };
}
