/**
 * Benchmark: peak memory (RSS high-water mark) of the plastrond daemon while
 * it imports one object whose page is a 1 GiB file from a local
 * `binaries-location`: the file is hashed, then streamed to the real Fedora
 * with its `Digest` inside the row's transaction.
 *
 * The file is written by this process (generated chunk by chunk); a fresh
 * daemon is started as `deno task start` starts it (`scripts/start.sh`), sent
 * the import job over STOMP, and its `VmHWM` is read from /proc/<pid>/status
 * after the completion (its idle RSS before the job too).
 *
 *   source .testbed/env   # PLASTROND_TEST_FEDORA, _USER, _PASSWORD, _RABBITMQ_TCP
 *   deno run -A bench/import_memory.ts [size in MiB, default 1024]
 *
 * @module
 */
import { join } from "node:path";
import { RepositoryClient } from "../src/repository/client.ts";
import { testConfig } from "../tests/support/pcdm_objects.ts";
import { testbedEnv } from "../tests/support/testbed_env.ts";
import { BenchDaemon, writeBenchConfig } from "./daemon_child.ts";
import { JobClient } from "./job_client.ts";

/** Write `bytes` pseudo-random bytes to `path`, 1 MiB at a time. */
async function writeLargeFile(path: string, bytes: number): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const chunk = new Uint8Array(1 << 20);
  crypto.getRandomValues(chunk.subarray(0, 65536));
  for (let i = 65536; i < chunk.length; i += 65536) chunk.copyWithin(i, 0, 65536);
  for (let written = 0; written < bytes;) {
    const n = Math.min(chunk.length, bytes - written);
    chunk[0] = written & 0xff;
    let off = 0;
    while (off < n) off += await file.write(chunk.subarray(off, n));
    written += n;
  }
}

async function main(sizeMiB: number): Promise<void> {
  const repository = testConfig().repository;
  const server = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
  const dir = await Deno.makeTempDir({ prefix: "plastrond-bench-import-" });
  const binaries = join(dir, "binaries");
  await Deno.mkdir(join(binaries, "big"), { recursive: true });
  const started = performance.now();
  await writeLargeFile(join(binaries, "big", "big-0001.tif"), sizeMiB * 1024 * 1024);
  console.error(
    `wrote ${sizeMiB} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const config = await writeBenchConfig({
    server,
    endpoint: repository.restEndpoint,
    user: repository.fedoraUser ?? "",
    password: repository.fedoraPassword ?? "",
    jobWorkers: 4,
    dir,
    binariesRoot: binaries,
  });
  const relpath = `bench-import-memory/${crypto.randomUUID()}`;
  const daemon = await BenchDaemon.start(config.path);
  const client = await JobClient.connect(server, config.destinations);
  let created: string[] = [];
  try {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idle = daemon.memory();
    const csv = "Identifier,Object Type,Rights Statement,Title,FILES\n" +
      "big-1,http://purl.org/dc/dcmitype/Image,http://rightsstatements.org/vocab/InC/1.0/," +
      `One ${sizeMiB} MiB page,big/big-0001.tif\n`;
    const outcome = await client.run(
      "import",
      {
        model: "Item",
        "binaries-location": binaries,
        relpath,
      },
      csv,
      1_800_000,
    );
    const peak = daemon.memory();
    created = (outcome.body.uris as { created?: string[] } | undefined)?.created ?? [];
    console.log(JSON.stringify({
      binaryMiB: sizeMiB,
      status: outcome.status,
      state: outcome.headers["PlastronJobState"],
      count: outcome.body.count,
      seconds: Math.round((outcome.completedAt - outcome.sentAt) / 100) / 10,
      idleRssMiB: Math.round(idle.rssMiB * 10) / 10,
      peakRssMiB: Math.round(peak.peakRssMiB * 10) / 10,
    }));
  } finally {
    await client.close();
    await daemon.stop();
    await Deno.remove(dir, { recursive: true });
    const cleanup = await RepositoryClient.create(repository);
    for (const uri of created) await cleanup.delete(uri).catch(() => {});
    cleanup.close();
  }
}

if (import.meta.main) await main(Number(Deno.args[0] ?? 1024));
