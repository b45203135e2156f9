/**
 * The daemon run with exactly the flags `plastrond permissions` prints (never
 * -A), against the real RabbitMQ and Fedora of the test bed; and started
 * without one of them, it names the missing flag and exits 1.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { loadConfig } from "../../src/config/load.ts";
import { missingPermissionFlags } from "../../src/permissions/check.ts";
import { permissionFlags, permissionsFor } from "../../src/permissions/scope.ts";
import { ChildRun } from "../helpers/child_process.ts";
import { type TestConfig, writeTestConfig } from "../helpers/daemon_process.ts";
import { JobClient } from "../helpers/job_client.ts";
import { printedPermissionFlags } from "../helpers/permission_flags.ts";
import { testbedEnv } from "../support/testbed_env.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "main.ts");

/** A test config on RabbitMQ with every root and host list set, so every flag is scoped. */
async function scopedConfig(): Promise<TestConfig> {
  const config = await writeTestConfig(testbedEnv("PLASTROND_TEST_RABBITMQ_TCP"));
  const tree = parse(await Deno.readTextFile(config.path)) as Record<string, unknown>;
  tree.COMMANDS = {
    EXPORT: { OUTPUT_ROOT: join(config.dir, "exports") },
    IMPORT: { BINARIES_ROOT: join(config.dir, "binaries") },
    SFTP_HOSTS: [testbedEnv("PLASTROND_TEST_SFTP")],
  };
  await Deno.writeTextFile(config.path, stringify(tree));
  return config;
}

function startDaemon(flags: string[], configPath: string): ChildRun {
  return new ChildRun(Deno.execPath(), [
    "run",
    "--no-prompt",
    ...flags,
    MAIN,
    "-c",
    configPath,
    "-v",
  ], ROOT);
}

Deno.test("with only the printed flags the daemon runs an echo job end to end", async () => {
  const config = await scopedConfig();
  const flags = await printedPermissionFlags(config.path);
  assert(flags.every((flag) => flag.includes("=")), `every flag is scoped: ${flags.join(" ")}`);
  assert(!flags.some((flag) => flag === "-A" || flag === "--allow-all"));
  const daemon = startDaemon(flags, config.path);
  const client = await JobClient.open(
    testbedEnv("PLASTROND_TEST_RABBITMQ_TCP"),
    config.destinations,
  );
  try {
    await daemon.waitForOutput(/connected to .*subscribed/);
    const jobId = `http://localhost/jobs/scoped-${crypto.randomUUID()}`;
    await client.send({ PlastronCommand: "echo", PlastronJobId: jobId }, "scoped hello");
    const completion = await client.completion(jobId);
    assertEquals(completion.headers.PlastronJobStatus, "Done");
    assertEquals(JSON.parse(new TextDecoder().decode(completion.body)).echo, "scoped hello");
    assert(!/NotCapable|Requires .* access/.test(daemon.output), daemon.output);
  } finally {
    await client.close();
    const status = await daemon.stop();
    assertEquals(status.code, 0, daemon.output);
    await Deno.remove(config.dir, { recursive: true });
  }
});

Deno.test("started without a needed permission, the daemon names the missing flag and exits 1", async () => {
  const config = await scopedConfig();
  const flags = await printedPermissionFlags(config.path);
  const broker = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
  try {
    // Drop the broker from --allow-net.
    const net = flags.find((flag) => flag.startsWith("--allow-net="));
    assert(net?.includes(broker), `${net} names ${broker}`);
    const withoutBroker = flags.map((flag) =>
      flag === net ? net.replace(`${broker},`, "").replace(`,${broker}`, "") : flag
    );
    const noNet = startDaemon(withoutBroker, config.path);
    const noNetStatus = await noNet.exited;
    assertEquals(noNetStatus.code, 1, noNet.output);
    assert(noNet.output.includes(`--allow-net=${broker}`), noNet.output);
    assert(!noNet.output.includes("connected to"), noNet.output);

    // No --allow-write at all: every writable directory is named.
    const noWrite = startDaemon(flags.filter((f) => !f.startsWith("--allow-write")), config.path);
    const noWriteStatus = await noWrite.exited;
    assertEquals(noWriteStatus.code, 1, noWrite.output);
    const missing = /--allow-write=(\S+)/.exec(noWrite.output)?.[1].split(",") ?? [];
    // a directory may be named by a folder that holds it (here /tmp holds them all)
    const named = (path: string) => missing.some((m) => path === m || path.startsWith(`${m}/`));
    assert(named(config.storeDir), noWrite.output);
    assert(named(join(config.dir, "exports")), noWrite.output);
  } finally {
    await Deno.remove(config.dir, { recursive: true });
  }
});

Deno.test("a process holding every permission misses nothing", async () => {
  const config = await scopedConfig();
  try {
    const loaded = await loadConfig(config.path);
    // deno test runs with --allow-all.
    assertEquals(missingPermissionFlags(loaded), []);
    assertEquals(
      permissionFlags(permissionsFor(loaded)),
      await printedPermissionFlags(config.path),
    );
  } finally {
    await Deno.remove(config.dir, { recursive: true });
  }
});
