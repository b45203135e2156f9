/**
 * The benchmark's results as Markdown tables (printed by `deno task bench`
 * and pasted into the README's "Performance" section).
 *
 * @module
 */
import { type BenchResults, EXPORT_VARIANTS, type JobMeasurement } from "./results.ts";

function n(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

function jobRow(
  daemon: string,
  job: JobMeasurement,
  floorSeconds: number | undefined,
): string[] {
  const status = job.status === "Done"
    ? ""
    : ` (${job.status}${job.error ? ": " + job.error : ""})`;
  return [
    `${job.name}${status}`,
    daemon,
    String(job.workers),
    String(job.objects),
    n(job.seconds, 2),
    n(job.objectsPerSecond),
    n(job.requestsPerObject, 2),
    n(job.firstRequestMs),
    n(job.afterLastAnswerMs),
    floorSeconds === undefined ? "–" : `${n(job.seconds / floorSeconds, 2)}×`,
    n(job.daemonPeakRssMiB, 0),
  ];
}

/** Render a run as Markdown. */
export function renderTable(r: BenchResults): string {
  const out: string[] = [];
  out.push(
    `plastrond benchmark, ${r.date}${r.quick ? " (--quick)" : ""}`,
    `machine: ${r.machine.cpu}, ${r.machine.nproc} CPUs, ${r.machine.memory}; ${r.machine.os}; Deno ${r.machine.deno}`,
    `services: ${r.broker}; ${r.repository} (all on 127.0.0.1, behind the bench's recording proxy)`,
    `data set: ${r.dataset.items} Items × ${r.dataset.pagesPerItem} TIFF pages ` +
      `(${n(r.dataset.binaryBytes / 1024, 0)} KiB of binaries)`,
    "",
  );
  const floorOf = (name: string, workers: number) =>
    r.floor.find((f) => f.name === name && f.workers === workers)?.seconds;
  const rows = r.jobs.map((job) => jobRow("plastrond", job, floorOf(job.name, job.workers)));
  for (const job of r.original?.jobs ?? []) {
    rows.push(jobRow(`plastron-stomp ${r.original!.version}`, job, floorOf(job.name, 1)));
  }
  out.push(
    table([
      "job",
      "daemon",
      "pool",
      "objects",
      "s",
      "objects/s",
      "requests/object",
      "sent → 1st request ms",
      "last answer → completion ms",
      "time ÷ floor",
      "daemon peak RSS so far, MiB",
    ], rows),
    "",
  );
  if (r.floor.length) {
    out.push(
      "floor (the same repository requests replayed with fetch, no daemon):",
      "",
      table(
        ["job", "pool", "requests", "s", "objects/s", "failed requests"],
        r.floor.map((f) => [
          f.name,
          String(f.workers),
          String(f.requests),
          n(f.seconds, 2),
          n(f.objectsPerSecond),
          f.failures ? `${f.failures} (${f.firstFailure})` : "0",
        ]),
      ),
      "",
    );
  }
  const speedUp = (name: string, rows: { name: string; workers: number; seconds: number }[]) => {
    const one = rows.find((j) => j.name === name && j.workers === 1);
    const four = rows.find((j) => j.name === name && j.workers === 4);
    return one && four ? `${n(one.seconds / four.seconds, 2)}×` : "–";
  };
  out.push(
    table(
      ["pool 4 vs pool 1", "plastrond", "floor"],
      ["import", ...EXPORT_VARIANTS.map((v) => v.name)].map((name) => [
        name,
        speedUp(name, r.jobs),
        speedUp(name, r.floor),
      ]),
    ),
    "",
  );
  const kinds = ["begin transaction", "write", "read", "commit", "rollback", "keep-alive"] as const;
  const broken = [...r.jobs, ...(r.original?.jobs ?? [])].filter((j) => j.requests > 0);
  if (broken.length) {
    out.push(
      "where the repository time goes (count, summed ms to the answer's first byte; " +
        "with a pool the sum exceeds the wall time):",
      "",
      table(
        ["job", "pool", ...kinds],
        broken.map((j) => [
          r.original?.jobs.includes(j) ? `${j.name} (original)` : j.name,
          String(j.workers),
          ...kinds.map((k) => {
            const e = j.breakdown?.[k];
            return e ? `${e.count} / ${n(e.ms, 0)}` : "–";
          }),
        ]),
      ),
      "",
    );
  }
  const daemonRows = r.daemon.map((d) => [
    `plastrond (pool ${d.workers})`,
    `${n(d.startToSubscribedMs, 0)} (own log: ${d.reportedSubscribeMs})`,
    n(d.idleRssMiB),
    n(d.peakRssMiB),
  ]);
  if (r.original) {
    daemonRows.push([
      `plastron-stomp ${r.original.version}`,
      `${n(r.original.startToConnectedMs, 0)} (to "Connected")`,
      n(r.original.idleRssMiB),
      n(r.original.peakRssMiB),
    ]);
  }
  out.push(
    table(["process", "start → subscribed ms", "idle RSS MiB", "peak RSS MiB"], daemonRows),
    "",
  );
  if (r.echo) {
    out.push(
      `echo job, send → completion received: median ${n(r.echo.medianMs)} ms, ` +
        `p95 ${n(r.echo.p95Ms)} ms over ${r.echo.jobs} jobs`,
    );
  }
  if (r.original) {
    for (const job of r.original.jobs) {
      const ours = r.jobs.find((j) => j.name === job.name && j.workers === 1);
      const ours4 = r.jobs.find((j) => j.name === job.name && j.workers === 4);
      if (job.status !== "Done") {
        out.push(
          `${job.name}: plastron-stomp ended with ${job.status}` +
            `${job.error ? ` (${job.error})` : ""}; no comparison`,
        );
      } else if (ours) {
        out.push(
          `${job.name}: plastron-stomp ${n(job.seconds, 2)} s vs plastrond ${
            n(ours.seconds, 2)
          } s ` +
            `(pool 1: ${n(job.seconds / ours.seconds, 2)}× faster` +
            (ours4 ? `, pool 4: ${n(job.seconds / ours4.seconds, 2)}× faster)` : ")"),
        );
      }
    }
    if (r.original.importOutcome) {
      out.push(`plastron-stomp import on this Fedora: ${r.original.importOutcome}`);
    }
    if (r.original.error) out.push(`plastron-stomp: ${r.original.error}`);
  }
  if (r.memory) {
    out.push(`export of one large binary (bench/export_memory.ts): ${JSON.stringify(r.memory)}`);
  }
  if (r.importMemory) {
    out.push(
      `import of one large file (bench/import_memory.ts): ${JSON.stringify(r.importMemory)}`,
    );
  }
  return out.join("\n");
}
