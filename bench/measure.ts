/**
 * Turns a job's outcome and what the recorder saw into a {@linkcode JobMeasurement}.
 *
 * @module
 */
import type { HttpRecorder } from "./http_recorder.ts";
import type { JobOutcome } from "./job_client.ts";
import type { JobMeasurement } from "./results.ts";

/** Measure one job of `objects` objects from its outcome and the recorder's requests. */
export function measureJob(
  name: string,
  workers: number,
  objects: number,
  outcome: JobOutcome,
  recorder: HttpRecorder,
): JobMeasurement {
  const seconds = (outcome.completedAt - outcome.sentAt) / 1000;
  const requests = recorder.requests;
  return {
    name,
    workers,
    objects,
    status: outcome.status,
    state: String(outcome.headers["PlastronJobState"] ?? outcome.body.type ?? ""),
    error: outcome.headers["PlastronJobError"],
    count: outcome.body.count as Record<string, number> | undefined,
    seconds,
    objectsPerSecond: objects / seconds,
    requests: requests.length,
    requestsPerObject: requests.length / objects,
    bytesSent: requests.reduce((n, r) => n + r.bodyBytes, 0),
    firstRequestMs: requests.length ? requests[0].at - outcome.sentAt : undefined,
    afterLastAnswerMs: recorder.lastAnswerAt
      ? outcome.completedAt - recorder.lastAnswerAt
      : undefined,
  };
}
