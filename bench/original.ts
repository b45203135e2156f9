/**
 * The original Python daemon (`plastron-stomp` 4.8.x from PyPI), installed
 * by this module in a throw-away virtual environment under
 * `.testbed/venv-plastron` (never a project dependency), run on the same
 * broker and the same repository (through the same recorder) with the same
 * YAML configuration keys, for the side-by-side figures.
 *
 * @module
 */
import { join } from "node:path";
import { stringify } from "yaml";
import { processMemory } from "./daemon_child.ts";
import type { HttpRecorder } from "./http_recorder.ts";
import { JobClient } from "./job_client.ts";
import { measureJob, requestBreakdown } from "./measure.ts";
import { EXPORT_VARIANTS, type OriginalMeasurement } from "./results.ts";

/** How long the original gets for one job before the run goes on without its answer. */
const ORIGINAL_JOB_TIMEOUT_MS = 180_000;

/** What the side-by-side run needs. */
export interface OriginalOptions {
  /** The project root (the venv goes to `<root>/.testbed/venv-plastron`). */
  root: string;
  /** Working directory (config, message store, exports). */
  dir: string;
  server: string;
  endpoint: string;
  user: string;
  password: string;
  recorder: HttpRecorder;
  /** Objects to export. */
  uris: string[];
  /** A small import CSV (Item), to show what the original does with it on Fedora 6. */
  importCsv: string;
  binariesLocation: string;
}

async function run(command: string, args: string[]): Promise<{ ok: boolean; text: string }> {
  const out = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { ok: out.success, text };
}

/** Create the venv and install `plastron-stomp` when it is not there; returns its bin dir. */
async function ensureVenv(root: string): Promise<string> {
  const venv = join(root, ".testbed", "venv-plastron");
  const bin = join(venv, "bin");
  try {
    await Deno.stat(join(bin, "plastrond-stomp"));
    return bin;
  } catch { /* install */ }
  const made = await run("python3", ["-m", "venv", venv]);
  if (!made.ok) throw new Error(`python3 -m venv ${venv} failed: ${made.text}`);
  const pip = await run(join(bin, "pip"), ["install", "-q", "plastron-stomp"]);
  if (!pip.ok) throw new Error(`pip install plastron-stomp failed: ${pip.text}`);
  return bin;
}

/** Run the export jobs (metadata, with binaries) and one import through the original daemon. */
export async function runOriginal(options: OriginalOptions): Promise<OriginalMeasurement> {
  let bin: string;
  try {
    bin = await ensureVenv(options.root);
  } catch (error) {
    return { version: "unavailable", jobs: [], error: String(error) };
  }
  const version = (await run(join(bin, "pip"), ["show", "plastron-stomp"])).text
    .match(/^Version: (.*)$/m)?.[1] ?? "?";
  await Deno.mkdir(join(options.dir, "exports"), { recursive: true });
  const id = crypto.randomUUID().slice(0, 8);
  // The original sends its completions to JOB_STATUS, so that is the queue the client reads.
  const destinations = {
    jobs: `/queue/plastron-original-${id}.jobs`,
    status: `/queue/plastron-original-${id}.progress`,
    completed: `/queue/plastron-original-${id}.status`,
  };
  const configPath = join(options.dir, "config.yml");
  await Deno.writeTextFile(
    configPath,
    stringify({
      REPOSITORY: {
        REST_ENDPOINT: options.endpoint,
        RELPATH: "/bench-original",
        FEDORA_USER: options.user,
        FEDORA_PASSWORD: options.password,
        LOG_DIR: join(options.dir, "logs"),
      },
      MESSAGE_BROKER: {
        SERVER: options.server,
        MESSAGE_STORE_DIR: join(options.dir, "msg"),
        DESTINATIONS: {
          JOBS: destinations.jobs,
          JOB_STATUS: destinations.completed,
          JOB_PROGRESS: destinations.status,
        },
      },
      COMMANDS: {},
      // the original's export (and import) ask for a public URL of each object
      PUBLICATION_WORKFLOW: { PUBLIC_URL_PATTERN: "http://digital.example.edu/objects/{uuid}" },
    }),
  );
  await Deno.mkdir(join(options.dir, "logs"), { recursive: true });
  const spawned = performance.now();
  const child = new Deno.Command(join(bin, "plastrond-stomp"), {
    args: ["-c", configPath],
    cwd: options.dir,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { LOG_LEVEL: "INFO" },
  }).spawn();
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
    })();
  }
  let exited = false;
  child.status.then(() => exited = true);
  const result: OriginalMeasurement = { version, jobs: [] };
  try {
    const deadline = Date.now() + 60_000;
    while (!/Connected to STOMP message broker/.test(output)) {
      if (exited || Date.now() > deadline) {
        result.error = `plastrond-stomp did not connect:\n${output.slice(-2000)}`;
        return result;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    result.startToConnectedMs = performance.now() - spawned;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    result.idleRssMiB = processMemory(child.pid).rssMiB;
    const client = await JobClient.connect(options.server, destinations);
    try {
      for (const variant of EXPORT_VARIANTS) {
        options.recorder.reset();
        const outcome = await client.run(
          "export",
          {
            "output-dest": join(options.dir, "exports", `original-${variant.file}.zip`),
            "export-binaries": String(variant.binaries),
            format: variant.format,
          },
          options.uris.join("\n"),
          ORIGINAL_JOB_TIMEOUT_MS,
        ).catch((error) => error as Error);
        if (outcome instanceof Error) {
          // the original sometimes never answers; the run goes on without it
          const requests = options.recorder.requests;
          result.jobs.push({
            name: variant.name,
            workers: 1,
            objects: options.uris.length,
            status: "no completion",
            state: "",
            error: `none within ${ORIGINAL_JOB_TIMEOUT_MS / 1000} s`,
            seconds: NaN,
            objectsPerSecond: NaN,
            requests: requests.length,
            requestsPerObject: requests.length / options.uris.length,
            bytesSent: requests.reduce((n, r) => n + r.bodyBytes, 0),
            breakdown: requestBreakdown(requests),
          });
          continue;
        }
        result.jobs.push(
          measureJob(variant.name, 1, options.uris.length, outcome, options.recorder),
        );
      }
      result.peakRssMiB = processMemory(child.pid).peakRssMiB;
      options.recorder.reset();
      const imported = await client.run(
        "import",
        {
          model: "Item",
          "binaries-location": options.binariesLocation,
        },
        options.importCsv,
        120_000,
      ).catch((error) => error as Error);
      result.importOutcome = imported instanceof Error
        ? imported.message
        : `${imported.status}: ${
          imported.headers["PlastronJobError"] ?? JSON.stringify(imported.body).slice(0, 300)
        } (${options.recorder.requests.length} repository requests, ` +
          `${options.recorder.requests.filter((r) => /fcr:tx/.test(r.target)).length} to fcr:tx)`;
    } finally {
      await client.close();
    }
    return result;
  } finally {
    try {
      child.kill("SIGINT"); // it shuts down cleanly on KeyboardInterrupt
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 10_000);
    await child.status;
    clearTimeout(timer);
  }
}
