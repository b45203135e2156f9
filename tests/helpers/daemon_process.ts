/**
 * Runs plastrond as a real child process (`deno run main.ts -c <config>`)
 * for end-to-end tests, with a generated configuration on unique queues.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { waitFor } from "./broker_env.ts";
import { testbedEnv } from "../support/testbed_env.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Destinations of one test's daemon. */
export interface TestDestinations {
  jobs: string;
  status: string;
  completed: string;
}

/** A generated configuration. */
export interface TestConfig {
  dir: string;
  path: string;
  storeDir: string;
  destinations: TestDestinations;
}

/** Write a config for a daemon on `server`, with unique queues (or `destinations`). */
export async function writeTestConfig(
  server: string,
  options: {
    daemon?: Record<string, unknown>;
    /** The `COMMANDS` section, when the test needs one. */
    commands?: Record<string, unknown>;
    destinations?: TestDestinations;
    dir?: string;
    storeDir?: string;
  } = {},
): Promise<TestConfig> {
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "plastrond-test-" });
  const id = crypto.randomUUID().slice(0, 8);
  const destinations = options.destinations ?? {
    jobs: `/queue/plastrond-test-${id}.jobs`,
    status: `/queue/plastrond-test-${id}.status`,
    completed: `/queue/plastrond-test-${id}.completed`,
  };
  const storeDir = options.storeDir ?? join(dir, "msg");
  const config = {
    REPOSITORY: {
      REST_ENDPOINT: testbedEnv("PLASTROND_TEST_FEDORA"),
      FEDORA_USER: "fedoraAdmin",
      FEDORA_PASSWORD: "fedoraAdmin",
    },
    MESSAGE_BROKER: {
      SERVER: server,
      MESSAGE_STORE_DIR: storeDir,
      LOGIN: "guest",
      PASSCODE: "guest",
      HEARTBEAT: { SEND: 2000, RECEIVE: 2000 },
      DESTINATIONS: {
        JOBS: destinations.jobs,
        JOB_STATUS: destinations.status,
        JOBS_COMPLETED: destinations.completed,
      },
    },
    ...(options.commands ? { COMMANDS: options.commands } : {}),
    DAEMON: { SHUTDOWN_GRACE_SECONDS: 5, ...options.daemon },
  };
  const path = join(dir, `config-${id}.yml`);
  await Deno.writeTextFile(path, stringify(config));
  return { dir, path, storeDir, destinations };
}

/** A running daemon process. */
export class DaemonProcess {
  readonly child: Deno.ChildProcess;
  #output = "";
  readonly exited: Promise<Deno.CommandStatus>;

  private constructor(child: Deno.ChildProcess) {
    this.child = child;
    this.exited = child.status;
    for (const stream of [child.stdout, child.stderr]) {
      this.#pump(stream);
    }
  }

  /** Start `main.ts -c <path> -v`; resolves once it logged that it is connected. */
  static async start(configPath: string, waitConnected = true): Promise<DaemonProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(ROOT, "main.ts"), "-c", configPath, "-v"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const daemon = new DaemonProcess(child);
    if (waitConnected) await daemon.waitForLog(/connected to .*subscribed/, 30_000);
    return daemon;
  }

  /** Everything printed so far (stdout and stderr). */
  get output(): string {
    return this.#output;
  }

  /** How often `pattern` occurs in the output. */
  count(pattern: RegExp): number {
    return [...this.#output.matchAll(new RegExp(pattern.source, "g"))].length;
  }

  /** Wait until the output matches `pattern`. */
  async waitForLog(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    let exited = false;
    this.exited.then(() => exited = true);
    await waitFor(
      () => pattern.test(this.#output) || exited,
      timeoutMs,
      `daemon log ${pattern}\n--- output ---\n${this.#output}`,
    );
    if (!pattern.test(this.#output)) {
      throw new Error(`daemon exited before logging ${pattern}:\n${this.#output}`);
    }
  }

  /** Send a signal and wait for the exit status. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch { /* already gone */ }
    return await this.exited;
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.#output += decoder.decode(chunk, { stream: true });
  }
}

/** Files in a folder of the message store. */
export function storeFiles(storeDir: string, folder: string): string[] {
  try {
    return [...Deno.readDirSync(join(storeDir, folder))].map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** Run `scripts/testbed.sh <verb> <service>` and fail loudly if it fails. */
export async function testbed(verb: string, service: string): Promise<void> {
  const result = await new Deno.Command("bash", {
    args: [join(ROOT, "scripts", "testbed.sh"), verb, service],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    const text = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
    throw new Error(`scripts/testbed.sh ${verb} ${service} failed:\n${text}`);
  }
}
