/**
 * plastrond as a child process for the benchmark: a generated configuration
 * (repository behind the {@linkcode HttpRecorder}, unique queues), start →
 * subscribed time, and its memory from `/proc/<pid>/status`.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The destinations a bench daemon uses. */
export interface BenchDestinations {
  jobs: string;
  status: string;
  completed: string;
}

/** What a bench daemon is configured with. */
export interface BenchDaemonOptions {
  /** `MESSAGE_BROKER.SERVER`. */
  server: string;
  /** `REPOSITORY.REST_ENDPOINT` (usually the recorder's). */
  endpoint: string;
  user: string;
  password: string;
  /** `DAEMON.JOB_WORKERS`. */
  jobWorkers: number;
  /** Working directory of this daemon (config, message store, exports). */
  dir: string;
  /** Local binaries for import (`COMMANDS.IMPORT.BINARIES_ROOT`). */
  binariesRoot?: string;
}

/** Write the YAML configuration of a bench daemon; returns its path and queues. */
export async function writeBenchConfig(
  options: BenchDaemonOptions,
): Promise<{ path: string; destinations: BenchDestinations; outputRoot: string }> {
  const id = crypto.randomUUID().slice(0, 8);
  const destinations = {
    jobs: `/queue/plastrond-bench-${id}.jobs`,
    status: `/queue/plastrond-bench-${id}.status`,
    completed: `/queue/plastrond-bench-${id}.completed`,
  };
  const outputRoot = join(options.dir, "exports");
  await Deno.mkdir(outputRoot, { recursive: true });
  const config = {
    REPOSITORY: {
      REST_ENDPOINT: options.endpoint,
      FEDORA_USER: options.user,
      FEDORA_PASSWORD: options.password,
    },
    MESSAGE_BROKER: {
      SERVER: options.server,
      MESSAGE_STORE_DIR: join(options.dir, "msg"),
      LOGIN: "guest",
      PASSCODE: "guest",
      DESTINATIONS: {
        JOBS: destinations.jobs,
        JOB_STATUS: destinations.status,
        JOBS_COMPLETED: destinations.completed,
      },
    },
    DAEMON: { JOB_WORKERS: options.jobWorkers, MAX_CONCURRENT_JOBS: 1 },
    COMMANDS: {
      EXPORT: { OUTPUT_ROOT: outputRoot },
      ...(options.binariesRoot ? { IMPORT: { BINARIES_ROOT: options.binariesRoot } } : {}),
    },
  };
  const path = join(options.dir, `config-${id}.yml`);
  await Deno.writeTextFile(path, stringify(config));
  return { path, destinations, outputRoot };
}

/** Memory of a process, from `/proc/<pid>/status`, in MiB. */
export interface ProcessMemory {
  /** Resident set size now (`VmRSS`). */
  rssMiB: number;
  /** Peak resident set size (`VmHWM`). */
  peakRssMiB: number;
}

/** Read `VmRSS` and `VmHWM` of `pid`. */
export function processMemory(pid: number): ProcessMemory {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1]);
  return { rssMiB: kib("VmRSS") / 1024, peakRssMiB: kib("VmHWM") / 1024 };
}

/** A running plastrond child process. */
export class BenchDaemon {
  readonly child: Deno.ChildProcess;
  #output = "";
  readonly exited: Promise<Deno.CommandStatus>;
  /** Wall time from spawning the process to its "subscribed" log line, in ms. */
  startToSubscribedMs = 0;
  /** The daemon's own figure in that log line ("N ms after start"). */
  reportedSubscribeMs = 0;

  private constructor(child: Deno.ChildProcess) {
    this.child = child;
    this.exited = child.status;
    for (const stream of [child.stdout, child.stderr]) this.#pump(stream);
  }

  /**
   * Start the daemon as `deno task start` does (`scripts/start.sh`: the
   * configuration's permission set and the production V8 flags; `exec`, so
   * the child's PID is Deno's) and wait until it subscribed.
   */
  static async start(configPath: string): Promise<BenchDaemon> {
    const spawned = performance.now();
    const child = new Deno.Command("bash", {
      args: [join(ROOT, "scripts", "start.sh"), "-c", configPath],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const daemon = new BenchDaemon(child);
    const pattern = /connected to .*subscribed.*\((\d+) ms after start\)/;
    let exited = false;
    daemon.exited.then(() => exited = true);
    const deadline = Date.now() + 30_000;
    while (!pattern.test(daemon.#output)) {
      if (exited || Date.now() > deadline) {
        throw new Error(
          `the daemon did not subscribe within 30 s (is the broker up? bash scripts/testbed.sh up):\n${daemon.#output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    daemon.startToSubscribedMs = performance.now() - spawned;
    daemon.reportedSubscribeMs = Number(pattern.exec(daemon.#output)![1]);
    return daemon;
  }

  /** Everything the daemon printed. */
  get output(): string {
    return this.#output;
  }

  /** Its memory now. */
  memory(): ProcessMemory {
    return processMemory(this.child.pid);
  }

  /** SIGTERM and wait. */
  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* gone */ }
    await this.exited;
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.#output += decoder.decode(chunk, { stream: true });
  }
}
