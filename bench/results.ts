/**
 * The shape of a benchmark run, as written to `bench/results/<timestamp>.json`
 * so that runs can be compared.
 *
 * @module
 */

/** What a repository request does. */
export type RequestKind =
  | "begin transaction"
  | "commit"
  | "rollback"
  | "keep-alive"
  | "write"
  | "read";

/** The export jobs both daemons run, by name. */
export const EXPORT_VARIANTS = [
  { name: "export metadata", format: "text/turtle", binaries: false, file: "meta" },
  { name: "export metadata as CSV", format: "text/csv", binaries: false, file: "csv" },
  { name: "export with binaries", format: "text/turtle", binaries: true, file: "bin" },
] as const;

/** One job through a daemon, measured at the broker and in front of the repository. */
export interface JobMeasurement {
  name: string;
  /** `DAEMON.JOB_WORKERS` (for the original: its thread pool, not configurable). */
  workers: number;
  objects: number;
  status: string;
  state: string;
  error?: string;
  count?: Record<string, number>;
  /** Job sent → completion received. */
  seconds: number;
  objectsPerSecond: number;
  /** Repository requests made for the job. */
  requests: number;
  requestsPerObject: number;
  /** Request body bytes sent to the repository. */
  bytesSent: number;
  /** Per kind of request: how many, and their summed time to the answer's first byte (ms). */
  breakdown: Partial<Record<RequestKind, { count: number; ms: number }>>;
  /** Job sent to the broker → first repository request (ms). */
  firstRequestMs?: number;
  /** Last repository answer → completion received from the broker (ms). */
  afterLastAnswerMs?: number;
  /** The daemon's `VmHWM` right after this job (its peak so far), MiB. */
  daemonPeakRssMiB?: number;
}

/** A replay of a job's repository requests without a daemon. */
export interface FloorMeasurement {
  name: string;
  workers: number;
  objects: number;
  requests: number;
  units: number;
  seconds: number;
  objectsPerSecond: number;
  failures: number;
  firstFailure?: string;
}

/** Start-up and memory of one daemon process. */
export interface DaemonMeasurement {
  workers: number;
  /** Spawn → "subscribed" log line, wall time. */
  startToSubscribedMs: number;
  /** The daemon's own figure ("N ms after start"). */
  reportedSubscribeMs: number;
  idleRssMiB: number;
  /** `VmHWM` after all its jobs. */
  peakRssMiB: number;
}

/** The original Python daemon on the same broker and repository. */
export interface OriginalMeasurement {
  version: string;
  startToConnectedMs?: number;
  idleRssMiB?: number;
  peakRssMiB?: number;
  jobs: JobMeasurement[];
  /** What happened to the import job (Fedora 4 transactions on Fedora 6). */
  importOutcome?: string;
  error?: string;
}

/** A whole run. */
export interface BenchResults {
  date: string;
  quick: boolean;
  machine: { cpu: string; nproc: number; memory: string; os: string; deno: string };
  broker: string;
  repository: string;
  dataset: { items: number; pagesPerItem: number; binaryBytes: number };
  daemon: DaemonMeasurement[];
  echo?: { jobs: number; medianMs: number; p95Ms: number };
  jobs: JobMeasurement[];
  floor: FloorMeasurement[];
  original?: OriginalMeasurement;
  /** bench/export_memory.ts's JSON line. */
  memory?: Record<string, unknown>;
  /** bench/import_memory.ts's JSON line. */
  importMemory?: Record<string, unknown>;
}
