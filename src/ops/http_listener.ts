/**
 * The optional HTTP listener for operators (`DAEMON.HTTP`, off unless
 * configured, bound to 127.0.0.1 by default):
 *
 * - `GET /healthz` — 200 when the broker is connected and the repository
 *   answers, else 503; JSON saying which part is down.
 * - `GET /metrics` — Prometheus text format.
 * - `GET /jobs[?limit=n]` — running and queued jobs, then the most recently
 *   finished ones (JSON).
 * - `GET /jobs/<url-encoded job id>` — one job: state, progress, last error,
 *   result (JSON; 404 when unknown).
 *
 * It has no authentication; it shows job ids and outcomes, never secrets.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { RunningDaemon } from "../daemon.ts";
import { HealthCheck, type HealthOptions } from "./health.ts";
import { findJob, JOBS_LIMIT, listJobs } from "./jobs_view.ts";
import { METRICS_CONTENT_TYPE, OpsMetrics } from "./metrics.ts";

const log = getLogger(["plastrond", "ops"]);

/** A running listener. */
export interface HttpListener {
  /** Where it listens, e.g. `http://127.0.0.1:9400`. */
  readonly url: string;
  /** Stop listening and stop collecting metrics. */
  close(): Promise<void>;
}

/** Options for {@linkcode startHttpListener}. */
export interface HttpListenerOptions {
  health?: HealthOptions;
}

/**
 * Start the listener on `daemon.config.daemon.http`. Resolves once it
 * listens; rejects (e.g. `AddrInUse`) when it cannot.
 */
export async function startHttpListener(
  daemon: RunningDaemon,
  options: HttpListenerOptions = {},
): Promise<HttpListener> {
  const http = daemon.config.daemon.http;
  if (!http) throw new Error("DAEMON.HTTP is not configured");
  const metrics = new OpsMetrics();
  const health = new HealthCheck(daemon, options.health);
  const handler = (request: Request) => handle(request, daemon, metrics, health);
  let server: Deno.HttpServer<Deno.NetAddr>;
  const listening = new Promise<Deno.NetAddr>((resolve) => {
    server = Deno.serve({
      hostname: http.host,
      port: http.port,
      onListen: resolve,
      onError: (error) => {
        log.error(`HTTP listener: ${(error as Error)?.message ?? error}`);
        return json({ error: "internal error; see the daemon's log" }, 500);
      },
    }, handler);
  });
  let address: Deno.NetAddr;
  try {
    address = await listening;
  } catch (error) {
    metrics.close();
    throw error;
  }
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  const url = `http://${host}:${address.port}`;
  log.info(`HTTP listener on ${url} (/healthz, /metrics, /jobs)`);
  return {
    url,
    async close() {
      metrics.close();
      await server.shutdown();
    },
  };
}

async function handle(
  request: Request,
  daemon: RunningDaemon,
  metrics: OpsMetrics,
  health: HealthCheck,
): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return json({ error: `${request.method} is not allowed; use GET` }, 405, {
      Allow: "GET, HEAD",
    });
  }
  const url = new URL(request.url);
  const path = url.pathname;
  if (path === "/healthz") {
    const result = await health.check();
    return json(result, result.healthy ? 200 : 503);
  }
  if (path === "/metrics") {
    return new Response(metrics.render(daemon), {
      headers: { "Content-Type": METRICS_CONTENT_TYPE, "Cache-Control": "no-store" },
    });
  }
  if (path === "/jobs" || path === "/jobs/") {
    const limitText = url.searchParams.get("limit");
    const limit = limitText === null ? JOBS_LIMIT.default : Number(limitText);
    if (!Number.isInteger(limit) || limit < 0 || limit > JOBS_LIMIT.max) {
      return json({ error: `limit must be a whole number from 0 to ${JOBS_LIMIT.max}` }, 400);
    }
    return json({ jobs: await listJobs(daemon, limit) }, 200);
  }
  if (path.startsWith("/jobs/")) {
    let jobId: string;
    try {
      jobId = decodeURIComponent(path.slice("/jobs/".length));
    } catch {
      return json({ error: "the job id is not valid percent-encoding" }, 400);
    }
    const job = await findJob(daemon, jobId);
    return job
      ? json(job, 200)
      : json({ error: `no job ${JSON.stringify(jobId)} is known to this daemon` }, 404);
  }
  return json({ error: "not found; try /healthz, /metrics or /jobs" }, 404);
}

function json(value: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value, null, 2) + "\n", {
    status,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      ...headers,
    },
  });
}
