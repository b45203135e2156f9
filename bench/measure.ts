/**
 * Turns a job's outcome and what the recorder saw into a {@linkcode JobMeasurement}.
 *
 * @module
 */
import type { HttpRecorder, RecordedRequest } from "./http_recorder.ts";
import type { JobOutcome } from "./job_client.ts";
import type { JobMeasurement, RequestKind } from "./results.ts";

/** What a repository request does, for the breakdown of where a job's time goes. */
export function requestKind(request: RecordedRequest): RequestKind {
  const path = request.target.split("?")[0];
  if (request.method === "POST" && /\/fcr:tx\/?$/.test(path)) return "begin transaction";
  if (/\/fcr:tx\/[^/]+$/.test(path)) {
    return request.method === "PUT"
      ? "commit"
      : request.method === "DELETE"
      ? "rollback"
      : "keep-alive";
  }
  return request.method === "GET" || request.method === "HEAD" ? "read" : "write";
}

/** Count and summed time to first answer byte (ms) of each kind of request. */
export function requestBreakdown(
  requests: readonly RecordedRequest[],
): Partial<Record<RequestKind, { count: number; ms: number }>> {
  const out: Partial<Record<RequestKind, { count: number; ms: number }>> = {};
  for (const request of requests) {
    const entry = out[requestKind(request)] ??= { count: 0, ms: 0 };
    entry.count++;
    if (request.answeredAt) entry.ms += request.answeredAt - request.at;
  }
  return out;
}

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
    breakdown: requestBreakdown(requests),
    firstRequestMs: requests.length ? requests[0].at - outcome.sentAt : undefined,
    afterLastAnswerMs: recorder.lastAnswerAt
      ? outcome.completedAt - recorder.lastAnswerAt
      : undefined,
  };
}
