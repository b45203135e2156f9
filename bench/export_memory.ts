/**
 * Benchmark: peak memory (RSS high-water mark) of the plastrond daemon while
 * it exports one object with a 2 GiB binary from the real Fedora into a local
 * bag (SPEC §9: under 150 MB).
 *
 * The binary is uploaded by this process (streamed); then a fresh daemon
 * (`deno run -A main.ts`, a child process) is started on the test bed's
 * RabbitMQ, sent the export job over STOMP, and its `VmHWM` is read from
 * /proc/<pid>/status after the completion (its idle RSS before the job too),
 * so the upload does not count.
 *
 *   source .testbed/env   # PLASTROND_TEST_FEDORA, _USER, _PASSWORD, _RABBITMQ_TCP
 *   deno run -A bench/export_memory.ts [size in MiB, default 2048]
 *
 * @module
 */
import { join } from "node:path";
import { DataFactory } from "n3";
import { PREFIXES } from "../src/rdf/namespaces.ts";
import { RepositoryClient } from "../src/repository/client.ts";
import { testConfig } from "../tests/support/pcdm_objects.ts";
import { testbedEnv } from "../tests/support/testbed_env.ts";
import { BenchDaemon, writeBenchConfig } from "./daemon_child.ts";
import { JobClient } from "./job_client.ts";

/** Pseudo-random bytes, generated chunk by chunk (nothing held in memory). */
function generated(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  const chunk = new Uint8Array(1 << 20);
  crypto.getRandomValues(chunk.subarray(0, 65536));
  for (let i = 65536; i < chunk.length; i += 65536) chunk.copyWithin(i, 0, 65536);
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk.length, total - sent);
      const out = chunk.slice(0, n);
      out[0] = sent & 0xff; // vary the content a little
      controller.enqueue(out);
      sent += n;
    },
  });
}

/** Export `uri` with its binaries through a fresh daemon; its memory and the outcome. */
async function exportThroughDaemon(uri: string, dir: string): Promise<Record<string, unknown>> {
  const repository = testConfig().repository;
  const server = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
  const config = await writeBenchConfig({
    server,
    endpoint: repository.restEndpoint,
    user: repository.fedoraUser ?? "",
    password: repository.fedoraPassword ?? "",
    jobWorkers: 4,
    dir,
  });
  const daemon = await BenchDaemon.start(config.path);
  const client = await JobClient.connect(server, config.destinations);
  try {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = daemon.memory();
    const outcome = await client.run(
      "export",
      {
        "output-dest": "bench-2g.zip",
        "export-binaries": "true",
      },
      uri,
      1_800_000,
    );
    const peak = daemon.memory();
    const zip = join(config.outputRoot, "bench-2g.zip");
    const unzip = await new Deno.Command("unzip", { args: ["-tq", zip] }).output();
    return {
      status: outcome.status,
      state: outcome.headers["PlastronJobState"],
      count: outcome.body.count,
      bag: outcome.body.bag,
      seconds: Math.round((outcome.completedAt - outcome.sentAt) / 100) / 10,
      idleRssMiB: Math.round(idle.rssMiB * 10) / 10,
      peakRssMiB: Math.round(peak.peakRssMiB * 10) / 10,
      zipBytes: (await Deno.stat(zip)).size,
      unzipTest: new TextDecoder().decode(unzip.stdout).trim(),
    };
  } finally {
    await client.close();
    await daemon.stop();
  }
}

async function parent(sizeMiB: number): Promise<void> {
  const config = testConfig();
  const repo = await RepositoryClient.create(config.repository);
  const { namedNode, literal, quad } = DataFactory;
  let object: string;
  try {
    object = await repo.createContainer({
      graph: [quad(namedNode(""), namedNode(PREFIXES.dcterms + "title"), literal("2 GiB bench"))],
    });
    await repo.createContainer({ uri: `${object}/f` });
    const t = performance.now();
    const size = sizeMiB * 1024 * 1024;
    const { uri } = await repo.createBinary({
      parent: `${object}/f`,
      body: generated(size),
      contentType: "application/octet-stream",
      filename: "big.bin",
    });
    await repo.patch(object, {
      deletes: [],
      inserts: [quad(namedNode(object), namedNode(PREFIXES.pcdm + "hasFile"), namedNode(uri))],
    });
    console.error(`uploaded ${sizeMiB} MiB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } finally {
    repo.close();
  }
  const out = await Deno.makeTempDir({ prefix: "plastrond-bench-" });
  try {
    console.log(JSON.stringify({ binaryMiB: sizeMiB, ...await exportThroughDaemon(object, out) }));
  } finally {
    await Deno.remove(out, { recursive: true });
    const cleanup = await RepositoryClient.create(config.repository);
    await cleanup.delete(object).catch(() => {});
    cleanup.close();
  }
}

if (import.meta.main) await parent(Number(Deno.args[0] ?? 2048));
