/**
 * `deno task bench [--quick] [--items N (default 200; 12 with --quick)] [--no-original] [--no-memory] [--memory-mib N] [--import-memory-mib N]`
 *
 * Benchmarks plastrond against the local test bed (RabbitMQ over STOMP/TCP,
 * Fedora 6.5, all on 127.0.0.1) with a data set it creates itself, and
 * prints a table; the same figures go to `bench/results/<timestamp>.json`.
 *
 * - daemon: start → subscribed, idle RSS, peak RSS (`/proc/<pid>/status`);
 * - echo: STOMP send → completion received;
 * - import and export (metadata only, with binaries) through a real daemon
 *   with `DAEMON.JOB_WORKERS` 1 and 4: objects/s, repository requests per
 *   object, and the daemon's overhead around the repository work (job sent
 *   → first repository request; last repository answer → completion
 *   received), taken from an {@linkcode HttpRecorder} in front of Fedora;
 * - the floor ({@link ./floor.ts}): the same requests replayed with `fetch`;
 * - the original Python daemon (`plastron-stomp` from PyPI in
 *   `.testbed/venv-plastron`) running the same export jobs on the same
 *   broker and repository, and trying an import;
 * - peak memory of the daemon exporting one 2 GiB binary ({@link ./export_memory.ts})
 *   and importing one 1 GiB file ({@link ./import_memory.ts}).
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BenchDaemon, writeBenchConfig } from "./daemon_child.ts";
import { createDataset } from "./dataset.ts";
import { replay } from "./floor.ts";
import { HttpRecorder } from "./http_recorder.ts";
import { JobClient } from "./job_client.ts";
import { runOriginal } from "./original.ts";
import { renderTable } from "./report.ts";
import { measureJob } from "./measure.ts";
import { testbedEnv } from "../tests/support/testbed_env.ts";
import { type BenchResults, EXPORT_VARIANTS } from "./results.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

function option(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

function sh(command: string): string {
  const out = new Deno.Command("bash", { args: ["-c", command], stdout: "piped" }).outputSync();
  return new TextDecoder().decode(out.stdout).trim();
}

function machine(): BenchResults["machine"] {
  return {
    cpu: sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").trim(),
    nproc: Number(sh("nproc")),
    memory: sh('free -h | awk \'/^Mem:/ {print $2 " total, " $7 " available"}\''),
    os: sh("uname -sr"),
    deno: Deno.version.deno,
  };
}

/** {@linkcode runOriginal}, with a failure of the side-by-side run kept as its result. */
async function runOriginalSafely(
  options: Parameters<typeof runOriginal>[0],
): Promise<BenchResults["original"]> {
  try {
    return await runOriginal(options);
  } catch (error) {
    return {
      version: "?",
      jobs: [],
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

async function main(): Promise<void> {
  const quick = Deno.args.includes("--quick");
  const items = Number(option("--items") ?? (quick ? 12 : 200));
  const pages = 2;
  const broker = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
  const fedora = new URL(testbedEnv("PLASTROND_TEST_FEDORA"));
  const user = testbedEnv("PLASTROND_TEST_FEDORA_USER");
  const password = testbedEnv("PLASTROND_TEST_FEDORA_PASSWORD");
  const runId = new Date().toISOString().replace(/[:.]/g, "-");
  const work = await Deno.makeTempDir({ prefix: "plastrond-bench-" });
  const log = (text: string) => console.error(`[bench ${new Date().toISOString()}] ${text}`);

  const recorder = HttpRecorder.start({
    host: fedora.hostname,
    port: Number(fedora.port || 80),
  });
  recorder.captureBodies = true;
  const endpoint = `http://127.0.0.1:${recorder.port}${fedora.pathname.replace(/\/$/, "")}`;
  const results: BenchResults = {
    date: new Date().toISOString(),
    quick,
    machine: machine(),
    broker: `RabbitMQ STOMP ${broker}`,
    repository: `Fedora at ${fedora.origin}${fedora.pathname}`,
    dataset: { items, pagesPerItem: pages, binaryBytes: 0 },
    daemon: [],
    echo: undefined,
    jobs: [],
    floor: [],
  };

  try {
    log(`creating ${items} items × ${pages} TIFF pages in ${work}`);
    const dataset = await createDataset(join(work, "binaries"), items, pages);
    results.dataset.binaryBytes = dataset.binaryBytes;
    let created: string[] = [];
    const recordedImport: typeof recorder.requests = [];
    const recordedExports = new Map<string, typeof recorder.requests>();

    for (const workers of [1, 4]) {
      const dir = join(work, `daemon-w${workers}`);
      await Deno.mkdir(dir, { recursive: true });
      const config = await writeBenchConfig({
        server: broker,
        endpoint,
        user,
        password,
        jobWorkers: workers,
        dir,
        binariesRoot: dataset.dir,
      });
      log(`starting plastrond with JOB_WORKERS ${workers}`);
      const daemon = await BenchDaemon.start(config.path);
      const client = await JobClient.connect(broker, config.destinations);
      try {
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const idle = daemon.memory();
        results.daemon.push({
          workers,
          startToSubscribedMs: daemon.startToSubscribedMs,
          reportedSubscribeMs: daemon.reportedSubscribeMs,
          idleRssMiB: idle.rssMiB,
          peakRssMiB: 0,
        });

        if (workers === 1) {
          const rounds = quick ? 10 : 30;
          const times: number[] = [];
          for (let i = 0; i < rounds; i++) {
            const outcome = await client.run("echo", {}, `ping ${i}`);
            if (outcome.status !== "Done") throw new Error(`echo failed: ${outcome.status}`);
            times.push(outcome.completedAt - outcome.sentAt);
          }
          times.sort((a, b) => a - b);
          results.echo = {
            jobs: rounds,
            medianMs: times[Math.floor(rounds / 2)],
            p95Ms: times[Math.min(rounds - 1, Math.floor(rounds * 0.95))],
          };
          log(`echo: median ${results.echo.medianMs.toFixed(1)} ms`);
        }

        log(`import of ${items} items (workers ${workers})`);
        recorder.reset();
        const imported = await client.run("import", {
          model: "Item",
          "binaries-location": dataset.dir,
          relpath: `bench/${runId}/w${workers}`,
        }, dataset.csv);
        results.jobs.push({
          ...measureJob("import", workers, items, imported, recorder),
          daemonPeakRssMiB: daemon.memory().peakRssMiB,
        });
        if (workers === 1) recordedImport.push(...recorder.requests);
        const uris = (imported.body.uris as { created?: string[] } | undefined)?.created ?? [];
        if (workers === 1) created = uris;
        if (imported.status !== "Done") {
          log(`import: ${imported.status} ${imported.headers["PlastronJobError"] ?? ""}`);
        }

        for (const variant of EXPORT_VARIANTS) {
          log(`${variant.name} of ${created.length} objects (workers ${workers})`);
          if (created.length === 0) break;
          recorder.reset();
          const exported = await client.run("export", {
            "output-dest": join(config.outputRoot, `w${workers}-${variant.file}.zip`),
            "export-binaries": String(variant.binaries),
            format: variant.format,
          }, created.join("\n"));
          results.jobs.push({
            ...measureJob(variant.name, workers, created.length, exported, recorder),
            daemonPeakRssMiB: daemon.memory().peakRssMiB,
          });
          if (workers === 1) recordedExports.set(variant.name, [...recorder.requests]);
        }
        results.daemon.at(-1)!.peakRssMiB = daemon.memory().peakRssMiB;
      } finally {
        await client.close();
        await daemon.stop();
      }
    }

    const origin = `http://127.0.0.1:${recorder.port}`;
    for (
      const [name, recorded] of [
        ["import", recordedImport] as const,
        ...recordedExports,
      ]
    ) {
      if (recorded.length === 0) continue;
      for (const workers of [1, 4]) {
        log(`floor: ${name}, ${recorded.length} requests, pool of ${workers}`);
        const floor = await replay(recorded, origin, workers, { remap: name === "import" });
        results.floor.push({
          name,
          workers,
          objects: items,
          ...floor,
          objectsPerSecond: items / floor.seconds,
        });
      }
    }

    if (!Deno.args.includes("--no-original") && created.length) {
      log("the original plastron-stomp: same export jobs, and one import");
      results.original = await runOriginalSafely({
        root: ROOT,
        dir: join(work, "original"),
        server: broker,
        endpoint,
        user,
        password,
        recorder,
        uris: created,
        importCsv: dataset.csv.split("\n").slice(0, 2).join("\n") + "\n",
        binariesLocation: dataset.dir,
      });
    }

    if (!Deno.args.includes("--no-memory")) {
      const exportMiB = Number(option("--memory-mib") ?? (quick ? 256 : 2048));
      const importMiB = Number(option("--import-memory-mib") ?? (quick ? 128 : 1024));
      for (
        const [key, script, mib] of [
          ["memory", "export_memory.ts", exportMiB],
          ["importMemory", "import_memory.ts", importMiB],
        ] as const
      ) {
        log(`bench/${script} with ${mib} MiB`);
        const run = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", join(ROOT, "bench", script), String(mib)],
          stdout: "piped",
          stderr: "inherit",
        }).output();
        const line = new TextDecoder().decode(run.stdout).trim().split("\n").pop() ?? "";
        try {
          results[key] = JSON.parse(line);
        } catch {
          results[key] = { error: `bench/${script} printed no result: ${line}` };
        }
      }
    }
  } finally {
    await recorder.close();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }

  const table = renderTable(results);
  console.log(table);
  const outDir = join(ROOT, "bench", "results");
  await Deno.mkdir(outDir, { recursive: true });
  const file = join(outDir, `${results.date.replace(/[:.]/g, "-")}${quick ? "-quick" : ""}.json`);
  await Deno.writeTextFile(file, JSON.stringify(results, null, 2) + "\n");
  console.log(`\nJSON: ${file}`);
}

if (import.meta.main) await main();
