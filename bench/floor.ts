/**
 * The floor: the repository requests a daemon job made (as recorded by the
 * {@linkcode HttpRecorder}), sent again directly with `fetch` — no broker,
 * no daemon, no CSV, no validation — so a job's time can be shown as a
 * ratio of what the repository itself needs for the same work.
 *
 * Replaying writes new objects: every UUID in a request (paths, headers,
 * bodies) is mapped to a fresh one, and transaction ids are mapped to the
 * ones the repository hands out on `POST …/fcr:tx`. Requests are grouped
 * into units (one transaction — from `POST fcr:tx` to its commit — plus the
 * requests in between, or one request outside transactions), and units run
 * on a pool of `workers`, like the daemon's rows/objects.
 *
 * @module
 */
import type { RecordedRequest } from "./http_recorder.ts";

/** What a replay measured. */
export interface FloorResult {
  requests: number;
  units: number;
  seconds: number;
  /** Responses with a status ≥ 400 (a correct replay has none). */
  failures: number;
  firstFailure?: string;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const SKIPPED_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "cookie",
]);

function isTxStart(r: RecordedRequest): boolean {
  return r.method === "POST" && /\/fcr:tx\/?$/.test(r.target.split("?")[0]);
}

function isTxEnd(r: RecordedRequest): boolean {
  return (r.method === "PUT" || r.method === "DELETE") && /\/fcr:tx\/[^/]+$/.test(r.target);
}

/** Group recorded requests into units that can run concurrently with each other. */
export function replayUnits(requests: readonly RecordedRequest[]): RecordedRequest[][] {
  const units: RecordedRequest[][] = [];
  let current: RecordedRequest[] | undefined;
  for (const request of requests) {
    if (isTxStart(request)) {
      current = [request];
      units.push(current);
    } else if (current) {
      current.push(request);
      if (isTxEnd(request)) current = undefined;
    } else units.push([request]);
  }
  return units;
}

/**
 * Replay `requests` against `origin` (e.g. `http://127.0.0.1:8080`) on a pool
 * of `workers`. With `remap` (for jobs that write) every UUID is replaced by
 * a fresh one so that new objects are written; a read-only replay (`remap:
 * false`, e.g. an export) reads the same objects again.
 */
export async function replay(
  requests: readonly RecordedRequest[],
  origin: string,
  workers: number,
  { remap = true }: { remap?: boolean } = {},
): Promise<FloorResult> {
  const mapped = new Map<string, string>();
  const fresh = (old: string) => {
    if (!remap) return old;
    let value = mapped.get(old);
    if (!value) mapped.set(old, value = crypto.randomUUID());
    return value;
  };
  const units = replayUnits(requests);
  let failures = 0;
  let firstFailure: string | undefined;
  const runUnit = async (unit: RecordedRequest[]) => {
    for (const request of unit) {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (!SKIPPED_HEADERS.has(name)) headers.set(name, value.replace(UUID, fresh));
      }
      let body: Uint8Array | string | undefined = request.body;
      if (body && body.length && !/image|octet|pdf/.test(request.headers["content-type"] ?? "")) {
        body = new TextDecoder().decode(body).replace(UUID, fresh);
      }
      const response = await fetch(origin + request.target.replace(UUID, fresh), {
        method: request.method,
        headers,
        body: body && body.length ? body as BodyInit : undefined,
      });
      await response.body?.cancel();
      if (isTxStart(request)) {
        // the recorded transaction's id is the one its later requests carry
        const created = response.headers.get("location")?.match(UUID)?.[0];
        const old = unit.find((r, i) => i > 0 && r.headers["atomic-id"])
          ?.headers["atomic-id"].match(UUID)?.[0];
        if (created && old) mapped.set(old, created);
      }
      if (response.status >= 400) {
        failures++;
        firstFailure ??= `${request.method} ${request.target} → ${response.status}`;
      }
    }
  };
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, workers) }, async () => {
      while (next < units.length) await runUnit(units[next++]);
    }),
  );
  return {
    requests: requests.length,
    units: units.length,
    seconds: (performance.now() - started) / 1000,
    failures,
    firstFailure,
  };
}
