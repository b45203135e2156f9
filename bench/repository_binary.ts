/**
 * Benchmark: a large binary (1 GiB by default) uploaded to and downloaded
 * from the real Fedora through the repository client, streamed both ways, in
 * two modes:
 *
 * - known digest: hashed first, sent with `Digest: sha-256=…` (as a local
 *   file), read back and compared with that digest;
 * - hash while streaming: uploaded without a digest, hashed on the way and
 *   checked against the digests Fedora stored (as an SFTP file without
 *   `sha256sum`), read back with `Want-Digest` and compared with the digest
 *   Fedora recomputes.
 *
 *   deno run -A bench/repository_binary.ts [size-in-MiB]
 *
 * A client-level figure (this process, not a daemon): for each phase the peak
 * RSS is the kernel's high-water mark `VmHWM` from `/proc/self/status`, reset
 * before the phase through `/proc/self/clear_refs` (so each phase's peak is
 * its own); where that reset is not allowed the sampled RSS (every 50 ms) is
 * reported instead. Uses PLASTROND_TEST_FEDORA* (see `.testbed/env`). Prints
 * JSON and exits non-zero when a digest differs or a phase's peak grew more
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
const ALLOWED_GROWTH = 150e6;

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

/** A field of `/proc/self/status` in bytes (`VmHWM`, `VmRSS`), if readable. */
function procStatus(field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
      Deno.readTextFileSync("/proc/self/status"),
    );
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the kernel's peak-RSS mark; false where that is not allowed. */
function resetPeak(): boolean {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

let sampled = 0;
const sampler = setInterval(() => {
  sampled = Math.max(sampled, Deno.memoryUsage().rss);
}, 50);
const mb = (bytes: number) => Number((bytes / 1e6).toFixed(1));

interface Phase {
  seconds: number;
  MBps: number;
  peakRssMB: number;
  /** Where the peak comes from: the kernel's `VmHWM`, or 50 ms samples. */
  peakSource: "VmHWM" | "sampled";
}

const phases: Record<string, Phase> = {};

/** Runs one phase and records its time and its own peak RSS. */
async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const kernel = resetPeak();
  sampled = Deno.memoryUsage().rss;
  const t = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t) / 1000;
  const hwm = kernel ? procStatus("VmHWM") : undefined;
  sampled = Math.max(sampled, Deno.memoryUsage().rss);
  phases[name] = {
    seconds: Number(seconds.toFixed(2)),
    MBps: mb(size / seconds),
    peakRssMB: mb(hwm ?? sampled),
    peakSource: hwm !== undefined ? "VmHWM" : "sampled",
  };
  return result;
}

/** Reads a download to the end, hashing it. */
async function readAll(body: ReadableStream<Uint8Array>): Promise<{ sha256: string; n: number }> {
  const hash = createHash("sha256");
  let n = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    n += chunk.byteLength;
  }
  return { sha256: hash.digest("hex"), n };
}

const repo = await RepositoryClient.create({
  restEndpoint: testbedEnv("PLASTROND_TEST_FEDORA"),
  relpath: "/",
  fedoraUser: testbedEnv("PLASTROND_TEST_FEDORA_USER"),
  fedoraPassword: testbedEnv("PLASTROND_TEST_FEDORA_PASSWORD"),
});
const container = await repo.createContainer({ slug: `bench-${crypto.randomUUID()}` });
const baseline = procStatus("VmRSS") ?? Deno.memoryUsage().rss;
const checks: Record<string, boolean> = {};
try {
  // Known digest: hash first (as for a local file), then upload with Digest.
  const expected = await phase("hashFirst", async () => (await readAll(source())).sha256);
  const known = await phase("uploadKnownDigest", () =>
    repo.createBinary({
      parent: container,
      body: source,
      contentType: "application/octet-stream",
      filename: "known.bin",
      sha256: expected,
    }));
  const readKnown = await phase(
    "downloadKnownDigest",
    async () => readAll((await repo.getBinary(known.uri)).body),
  );
  checks.knownDigestReadBack = readKnown.sha256 === expected && readKnown.n === size;
  checks.knownDigestStored = (await repo.storedDigests(known.uri))["sha-256"] === expected;

  // Hash while streaming: no digest beforehand; checked against Fedora's afterwards.
  const streamed = await phase("uploadHashWhileStreaming", () =>
    repo.createBinary({
      parent: container,
      body: source,
      contentType: "application/octet-stream",
      filename: "streamed.bin",
    }));
  checks.streamedDigestComputed = streamed.sha256 === expected && streamed.size === size;
  const readStreamed = await phase("downloadHashWhileStreaming", async () => {
    const download = await repo.getBinary(streamed.uri, { fixity: true });
    const read = await readAll(download.body);
    return { ...read, serverSha256: download.sha256 };
  });
  checks.streamedReadBack = readStreamed.sha256 === expected && readStreamed.n === size;
  // Fedora 6 recomputes SHA-256 on Want-Digest; Fedora 4.7 does not answer it.
  checks.streamedFixity = readStreamed.serverSha256 === undefined ||
    readStreamed.serverSha256 === expected;
} finally {
  clearInterval(sampler);
  await repo.delete(container, { purge: true }).catch((e) => console.error(String(e)));
  repo.close();
}
const growth = Object.fromEntries(
  Object.entries(phases).map((
    [name, p],
  ) => [name, Number((p.peakRssMB - mb(baseline)).toFixed(1))]),
);
const flat = Object.values(growth).every((g) => g * 1e6 <= ALLOWED_GROWTH);
console.log(JSON.stringify(
  {
    sizeBytes: size,
    baselineRssMB: mb(baseline),
    phases,
    peakGrowthOverBaselineMB: growth,
    checks,
    memoryFlat: flat,
  },
  null,
  2,
));
if (!flat || Object.values(checks).some((ok) => !ok)) {
  console.error("FAILED: a digest differs or memory is not flat");
  Deno.exit(1);
}
