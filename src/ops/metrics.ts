/**
 * The daemon's metrics in the Prometheus text exposition format (0.0.4):
 * jobs received, queued, running, done, failed and in error; items processed
 * per command; repository request latency as a histogram; broker connection
 * state and reconnects; completions waiting to be sent.
 *
 * @module
 */
import { type JobFinishedSample, onSample, type RepositoryRequestSample } from "../metrics.ts";
import type { RunningDaemon } from "../daemon.ts";
import { VERSION } from "../version.ts";

/** Upper bounds (seconds) of the repository latency histogram's buckets. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** Prometheus' content type for the text format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * How many items a finished job processed, from its completion body's
 * `count`: an import's `rows`, an export's `exported` + `errors`; 0 for
 * commands without counts (echo).
 */
export function itemsProcessed(body: Record<string, unknown>): number {
  const count = body.count;
  if (typeof count !== "object" || count === null) return 0;
  const { rows, exported, errors } = count as Record<string, unknown>;
  if (typeof rows === "number") return rows;
  if (typeof exported === "number") return exported + (typeof errors === "number" ? errors : 0);
  return 0;
}

/** Collects samples while open and renders them with the daemon's own counters. */
export class OpsMetrics {
  readonly #latencyBuckets = LATENCY_BUCKETS.map(() => 0);
  #latencyCount = 0;
  #latencySum = 0;
  #repositoryErrors = 0;
  readonly #items = new Map<string, number>();
  readonly #stop: (() => void)[];

  /** Start listening to the daemon's samples. */
  constructor() {
    this.#stop = [
      onSample("repositoryRequest", (sample) => this.#onRequest(sample)),
      onSample("jobFinished", (sample) => this.#onJob(sample)),
    ];
  }

  /** Stop listening. */
  close(): void {
    for (const stop of this.#stop) stop();
  }

  #onRequest(sample: RepositoryRequestSample): void {
    this.#latencyCount++;
    this.#latencySum += sample.seconds;
    LATENCY_BUCKETS.forEach((bound, i) => {
      if (sample.seconds <= bound) this.#latencyBuckets[i]++;
    });
    if (sample.status === undefined || sample.status >= 500) this.#repositoryErrors++;
  }

  #onJob(sample: JobFinishedSample): void {
    const command = sample.command || "unknown";
    this.#items.set(command, (this.#items.get(command) ?? 0) + itemsProcessed(sample.body));
  }

  /** The metrics text for `daemon`. */
  render(daemon: RunningDaemon): string {
    const { counters } = daemon.runner;
    const active = daemon.runner.activeJobs;
    const lines: string[] = [];
    const metric = (
      name: string,
      type: "counter" | "gauge" | "histogram",
      help: string,
      samples: [string, number][],
    ) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric("plastrond_info", "gauge", "Version of the running daemon.", [
      [`{version="${escapeLabel(VERSION)}"}`, 1],
    ]);
    metric("plastrond_jobs_received_total", "counter", "Job request frames received.", [
      ["", counters.received],
    ]);
    metric("plastrond_jobs_queued", "gauge", "Jobs accepted and waiting for a slot.", [
      ["", active.filter((job) => job.state === "queued").length],
    ]);
    metric("plastrond_jobs_running", "gauge", "Jobs running now.", [
      ["", active.filter((job) => job.state === "running").length],
    ]);
    metric("plastrond_jobs_done_total", "counter", "Jobs finished with status Done.", [
      ["", counters.done],
    ]);
    metric("plastrond_jobs_failed_total", "counter", "Jobs finished with status Failed.", [
      ["", counters.failed],
    ]);
    metric(
      "plastrond_jobs_error_total",
      "counter",
      "Jobs finished with status Error (could not run).",
      [["", counters.errors]],
    );
    metric(
      "plastrond_jobs_rejected_total",
      "counter",
      "Messages without PlastronJobId, kept in rejected/.",
      [["", counters.rejected]],
    );
    metric("plastrond_jobs_duplicate_total", "counter", "Duplicate job requests.", [
      ["", counters.duplicates],
    ]);
    metric(
      "plastrond_items_processed_total",
      "counter",
      "Items processed by finished jobs (import rows, exported objects).",
      [...this.#items].map(([command, n]) => [`{command="${escapeLabel(command)}"}`, n]),
    );
    const cumulative: [string, number][] = LATENCY_BUCKETS.map((bound, i) => [
      `_bucket{le="${bound}"}`,
      this.#latencyBuckets[i],
    ]);
    cumulative.push([`_bucket{le="+Inf"}`, this.#latencyCount]);
    cumulative.push(["_sum", round(this.#latencySum)], ["_count", this.#latencyCount]);
    lines.push(
      "# HELP plastrond_repository_request_duration_seconds Repository requests, " +
        "from sending to the response headers.",
      "# TYPE plastrond_repository_request_duration_seconds histogram",
      ...cumulative.map(([suffix, n]) =>
        `plastrond_repository_request_duration_seconds${suffix} ${n}`
      ),
    );
    metric(
      "plastrond_repository_request_errors_total",
      "counter",
      "Repository requests without a response or with a 5xx status.",
      [["", this.#repositoryErrors]],
    );
    metric("plastrond_broker_connected", "gauge", "1 while the STOMP session is up.", [
      ["", daemon.broker.connected ? 1 : 0],
    ]);
    metric("plastrond_broker_reconnects_total", "counter", "Broker reconnections since start.", [
      ["", daemon.broker.reconnects],
    ]);
    metric(
      "plastrond_completions_pending",
      "gauge",
      "Completions in the outbox waiting for the broker's receipt.",
      [["", daemon.runner.pendingCompletions]],
    );
    return lines.join("\n") + "\n";
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
