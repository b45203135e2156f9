/**
 * Logging for plastrond, on `@logtape/logtape`: records go to the console
 * (standard error; info, or debug with `-v`) and, when a log directory is
 * configured, to one file per run, `<logDir>/plastrond-<UTC time>.log`.
 * Every record passes through {@linkcode redact} first, so registered secrets
 * and URI passwords never reach a sink.
 *
 * String values are written bare (no quotes; control characters escaped, so
 * a value cannot forge a log line).
 *
 * Both sinks write synchronously, so nothing is held in a buffer: a record
 * logged just before `Deno.exit()` or a crash is on disk, and no timer keeps
 * the process alive.
 *
 * @module
 */
import { resolve } from "node:path";
import {
  configure,
  dispose,
  getAnsiColorFormatter,
  getLogger as getLogtapeLogger,
  getTextFormatter,
  type Logger,
  type LogRecord,
  type Sink,
  type TextFormatter,
} from "@logtape/logtape";
import { redact, redactValue } from "./redact.ts";

export { clearSecrets, redact, redactValue, registerSecret } from "./redact.ts";
export type { Logger } from "@logtape/logtape";

/** The root category of every plastrond logger. */
export const ROOT_CATEGORY = "plastrond";

/** Options of {@linkcode setupLogging}. */
export interface LoggingOptions {
  /** Debug records too (`-v`); otherwise info and above. */
  verbose: boolean;
  /** Directory for the per-run log file (created if missing); none: console only. */
  logDir?: string;
  /** Log to standard error (default `true`). */
  console?: boolean;
  /**
   * Remove this process's earlier log files (`plastrond-*.log` in `logDir`)
   * not written for this many days: once at set-up, then daily. Off when
   * absent.
   */
  retentionDays?: number;
}

/** What {@linkcode setupLogging} set up. */
export interface LoggingSetup {
  /** Absolute path of this run's log file, when there is one. */
  logFile?: string;
}

/** The log directory cannot be created or the log file cannot be opened. */
export class LogSetupError extends Error {
  /** Always `"LogSetupError"`. */
  override name = "LogSetupError";
}

let openFile: Deno.FsFile | undefined;
let retentionTimer: ReturnType<typeof setInterval> | undefined;

const DAY_MS = 24 * 60 * 60 * 1000;
const LOG_FILE_PATTERN = /^plastrond-\d{8}T\d{6}Z(-\d+)?\.log$/;

/**
 * Configure logging for this process (replacing any earlier configuration).
 * Register secrets with {@linkcode registerSecret} before anything is logged.
 *
 * @throws {LogSetupError} when `logDir` cannot be created or written.
 *
 * @example
 * ```ts
 * const { logFile } = await setupLogging({ verbose: false, logDir: "var/log" });
 * getLogger("daemon").info("started, logging to {logFile}", { logFile });
 * await shutdownLogging();
 * ```
 */
export async function setupLogging(options: LoggingOptions): Promise<LoggingSetup> {
  closeOpenFile();
  stopRetention();
  const level = options.verbose ? "debug" : "info";
  const sinks: Record<string, Sink> = {};
  if (options.console !== false) sinks.console = stderrSink();
  let logFile: string | undefined;
  if (options.logDir !== undefined) {
    const opened = await openLogFile(options.logDir);
    openFile = opened.file;
    logFile = opened.path;
    sinks.file = fileSink(opened.file);
  }
  const sinkIds = Object.keys(sinks);
  await configure({
    reset: true,
    sinks,
    loggers: [
      { category: [ROOT_CATEGORY], lowestLevel: level, sinks: sinkIds },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: sinkIds },
    ],
  });
  if (options.logDir !== undefined && options.retentionDays !== undefined) {
    startRetention(options.logDir, options.retentionDays, logFile);
  }
  return { logFile };
}

/**
 * Remove log files (`plastrond-<time>.log`) in `logDir` whose last write is
 * more than `retentionDays` days before `now`; `keep` is never removed.
 * Resolves to the paths removed. Other files are left alone.
 */
export async function removeOldLogFiles(
  logDir: string,
  retentionDays: number,
  options: { now?: Date; keep?: string } = {},
): Promise<string[]> {
  const cutoff = (options.now ?? new Date()).getTime() - retentionDays * DAY_MS;
  const keep = options.keep === undefined ? undefined : resolve(options.keep);
  const removed: string[] = [];
  for await (const entry of Deno.readDir(logDir)) {
    if (!entry.isFile || !LOG_FILE_PATTERN.test(entry.name)) continue;
    const path = resolve(logDir, entry.name);
    if (path === keep) continue;
    const modified = (await Deno.stat(path)).mtime?.getTime();
    if (modified === undefined || modified >= cutoff) continue;
    await Deno.remove(path);
    removed.push(path);
  }
  return removed;
}

function startRetention(logDir: string, retentionDays: number, keep?: string): void {
  const run = () => {
    removeOldLogFiles(logDir, retentionDays, { keep }).then(
      (removed) => {
        if (removed.length > 0) {
          getLogger("log").info(
            `removed ${removed.length} log file(s) older than ${retentionDays} days`,
          );
        }
      },
      (error) => getLogger("log").warn(`cannot remove old log files: ${reasonOf(error)}`),
    );
  };
  run();
  const timer = setInterval(run, DAY_MS);
  Deno.unrefTimer(timer);
  retentionTimer = timer;
}

function stopRetention(): void {
  if (retentionTimer === undefined) return;
  clearInterval(retentionTimer);
  retentionTimer = undefined;
}

/**
 * A logger under the `plastrond` category, e.g. `getLogger("broker")` logs as
 * `plastrond·broker`.
 */
export function getLogger(...category: string[]): Logger {
  return getLogtapeLogger([ROOT_CATEGORY, ...category]);
}

/** Flush and close every sink. Safe to call more than once. */
export async function shutdownLogging(): Promise<void> {
  stopRetention();
  await dispose();
  closeOpenFile();
}

/** The log file name for a run started at `time`: `plastrond-20260102T030405Z.log`. */
export function logFileName(time: Date, suffix = ""): string {
  const stamp = time.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  return `plastrond-${stamp}${suffix}.log`;
}

/** A copy of `record` with every string in its message and properties redacted. */
export function redactRecord(record: LogRecord): LogRecord {
  return {
    ...record,
    message: record.message.map((part) => redactValue(part)),
    rawMessage: typeof record.rawMessage === "string"
      ? redact(record.rawMessage)
      : record.rawMessage,
    properties: redactValue(record.properties) as Record<string, unknown>,
  };
}

/** Wrap a formatter so its input record and its output text are both redacted. */
export function redactingFormatter(format: TextFormatter): TextFormatter {
  return (record) => redact(format(redactRecord(record)));
}

function stderrSink(): Sink {
  const format = redactingFormatter(
    Deno.stderr.isTerminal()
      ? getAnsiColorFormatter({ value: "bare" })
      : getTextFormatter({ value: "bare" }),
  );
  const encoder = new TextEncoder();
  return (record) => {
    try {
      writeAllSync(Deno.stderr, encoder.encode(format(record)));
    } catch {
      // Standard error is gone (closed pipe); logging must never fail the daemon.
    }
  };
}

function fileSink(file: Deno.FsFile): Sink {
  const format = redactingFormatter(getTextFormatter({ value: "bare" }));
  const encoder = new TextEncoder();
  let failed = false;
  return (record) => {
    try {
      writeAllSync(file, encoder.encode(format(record)));
      failed = false;
    } catch (error) {
      if (failed) return;
      failed = true;
      const reason = error instanceof Error ? error.message : String(error);
      try {
        console.error(redact(`plastrond: cannot write to the log file: ${reason}`));
      } catch {
        // Nowhere left to report it.
      }
    }
  };
}

function writeAllSync(target: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += target.writeSync(bytes.subarray(offset));
}

async function openLogFile(logDir: string): Promise<{ path: string; file: Deno.FsFile }> {
  try {
    await Deno.mkdir(logDir, { recursive: true });
  } catch (error) {
    throw new LogSetupError(`cannot create the log directory ${logDir}: ${reasonOf(error)}`);
  }
  const now = new Date();
  for (let attempt = 1; attempt <= 100; attempt++) {
    const path = resolve(logDir, logFileName(now, attempt === 1 ? "" : `-${attempt}`));
    try {
      const file = await Deno.open(path, { createNew: true, write: true, append: true });
      return { path, file };
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) continue;
      throw new LogSetupError(`cannot create the log file ${path}: ${reasonOf(error)}`);
    }
  }
  throw new LogSetupError(`cannot create a new log file in ${logDir}: too many for this second`);
}

function reasonOf(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return "not permitted; run with --allow-write for it";
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

function closeOpenFile(): void {
  if (!openFile) return;
  try {
    openFile.close();
  } catch {
    // Already closed.
  }
  openFile = undefined;
}
