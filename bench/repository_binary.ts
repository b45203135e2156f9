/**
 * Benchmark: a large binary (1 GiB by default) uploaded to and downloaded
 * from the real Fedora through the repository client, streamed both ways,
 * with the client's peak RSS sampled throughout.
 *
 *   deno run -A bench/repository_binary.ts [size-in-MiB]
 *
 * Uses PLASTROND_TEST_FEDORA* (see `.testbed/env`). Prints MB/s and peak RSS
 * and exits non-zero when the digest read back differs or RSS grew by more
 * than 150 MB over the baseline.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { RepositoryClient } from "../src/repository/client.ts";
import { testbedEnv } from "../tests/support/testbed_env.ts";

const MIB = 1024 * 1024;
const sizeMiB = Number(Deno.args[0] ?? 1024);
const size = sizeMiB * MIB;
const CHUNK = 256 * 1024;

/** Deterministic, not-compressible-looking bytes, generated chunk by chunk. */
function source(): ReadableStream<Uint8Array> {
  let sent = 0;
  let seed = 0x2545f491;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(CHUNK, size - sent);
      const chunk = new Uint8Array(n);
      const words = new Uint32Array(chunk.buffer, 0, n >> 2);
      for (let i = 0; i < words.length; i++) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        words[i] = seed;
      }
      sent += n;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, Deno.memoryUsage().rss);
}, 50);
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

const baseline = Deno.memoryUsage().rss;
peak = baseline;

// Hash first (as for a local file whose digest is known before sending).
let t = performance.now();
const hash = createHash("sha256");
for await (const chunk of source()) hash.update(chunk);
const expected = hash.digest("hex");
const hashSeconds = (performance.now() - t) / 1000;

const repo = await RepositoryClient.create({
  restEndpoint: testbedEnv("PLASTROND_TEST_FEDORA"),
  relpath: "/",
  fedoraUser: testbedEnv("PLASTROND_TEST_FEDORA_USER"),
  fedoraPassword: testbedEnv("PLASTROND_TEST_FEDORA_PASSWORD"),
});
const container = await repo.createContainer({ slug: `bench-${crypto.randomUUID()}` });
let ok = true;
try {
  t = performance.now();
  const { uri } = await repo.createBinary({
    parent: container,
    body: source,
    contentType: "application/octet-stream",
    filename: "big.bin",
    sha256: expected,
  });
  const upSeconds = (performance.now() - t) / 1000;
  const peakUp = peak;

  t = performance.now();
  const download = await repo.getBinary(uri);
  const readHash = createHash("sha256");
  let received = 0;
  for await (const chunk of download.body) {
    readHash.update(chunk);
    received += chunk.byteLength;
  }
  const actual = readHash.digest("hex");
  const downSeconds = (performance.now() - t) / 1000;

  const stored = (await repo.storedDigests(uri))["sha-256"];
  ok = actual === expected && received === size && stored === expected;
  const growth = peak - baseline;
  if (growth > 150e6) ok = false;
  console.log(JSON.stringify(
    {
      sizeBytes: size,
      hashMBps: Number(mb(size / hashSeconds)),
      uploadSeconds: Number(upSeconds.toFixed(2)),
      uploadMBps: Number(mb(size / upSeconds)),
      downloadSeconds: Number(downSeconds.toFixed(2)),
      downloadMBps: Number(mb(size / downSeconds)),
      baselineRssMB: Number(mb(baseline)),
      peakRssDuringUploadMB: Number(mb(peakUp)),
      peakRssMB: Number(mb(peak)),
      rssGrowthMB: Number(mb(growth)),
      digestMatches: actual === expected,
      fedoraStoredDigestMatches: stored === expected,
      bytesReadBack: received,
    },
    null,
    2,
  ));
} finally {
  clearInterval(sampler);
  await repo.delete(container, { purge: true }).catch((e) => console.error(String(e)));
  repo.close();
}
if (!ok) {
  console.error("FAILED: digest mismatch or memory not flat");
  Deno.exit(1);
}
