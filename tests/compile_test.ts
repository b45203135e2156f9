/**
 * `deno task compile`: the self-contained binary, with the permission set of
 * its configuration embedded, runs an echo job end to end against the real
 * RabbitMQ, and names the missing flag for a configuration that needs more.
 *
 * deno compile needs Deno's `denort` runtime: it is downloaded from
 * dl.deno.land or taken from DENORT_BIN. When neither is possible (as on
 * machines without internet access) the test is reported as ignored, with
 * the reason in its name and on the console.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { ChildRun } from "./helpers/child_process.ts";
import { writeTestConfig } from "./helpers/daemon_process.ts";
import { JobClient } from "./helpers/job_client.ts";
import { testbedEnv } from "./support/testbed_env.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DENORT_BIN = Deno.env.get("DENORT_BIN");
const RUNTIME_URL =
  `https://dl.deno.land/release/v${Deno.version.deno}/denort-x86_64-unknown-linux-gnu.zip`;

/** Whether deno compile could download its runtime here (a HEAD request, 5 s at most). */
async function runtimeDownloadable(): Promise<boolean> {
  try {
    const answer = await fetch(RUNTIME_URL, { method: "HEAD", signal: AbortSignal.timeout(5000) });
    await answer.body?.cancel();
    return answer.ok;
  } catch {
    return false;
  }
}

const canCompile = DENORT_BIN !== undefined || await runtimeDownloadable();
const SKIP_REASON = `SKIPPED: DENORT_BIN is not set and ${RUNTIME_URL} could not be reached ` +
  "from here; set DENORT_BIN to a denort binary of the same Deno version to run it";
if (!canCompile) console.warn(`tests/compile_test.ts: ${SKIP_REASON}`);
const suffix = canCompile ? "" : ` [${SKIP_REASON}]`;

Deno.test({
  name: `the compiled binary runs the echo job end to end with its embedded permissions${suffix}`,
  ignore: !canCompile,
  fn: async () => {
    const server = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
    const config = await writeTestConfig(server);
    const tree = parse(await Deno.readTextFile(config.path)) as Record<string, unknown>;
    tree.COMMANDS = {
      EXPORT: { OUTPUT_ROOT: join(config.dir, "exports") },
      IMPORT: { BINARIES_ROOT: join(config.dir, "binaries") },
      SFTP_HOSTS: [testbedEnv("PLASTROND_TEST_SFTP")],
    };
    await Deno.writeTextFile(config.path, stringify(tree));
    const binary = join(config.dir, "plastrond");
    try {
      const build = await new Deno.Command("bash", {
        args: [join(ROOT, "scripts/compile.sh"), "-c", config.path, "-o", binary],
        stdin: "null",
      }).output();
      const buildLog = new TextDecoder().decode(build.stderr);
      assertEquals(build.code, 0, buildLog);
      assert(!/--allow-all|\s-A\s/.test(buildLog), buildLog);

      const version = await new Deno.Command(binary, { args: ["--version"] }).output();
      assert(/^plastrond \S+/.test(new TextDecoder().decode(version.stdout)));

      const daemon = new ChildRun(binary, ["-c", config.path, "-v"]);
      const client = await JobClient.open(server, config.destinations);
      try {
        await daemon.waitForOutput(/connected to .*subscribed/);
        const jobId = `http://localhost/jobs/compiled-${crypto.randomUUID()}`;
        await client.send({ PlastronCommand: "echo", PlastronJobId: jobId }, "compiled");
        const completion = await client.completion(jobId);
        assertEquals(completion.headers.PlastronJobStatus, "Done");
      } finally {
        await client.close();
        assertEquals((await daemon.stop()).code, 0, daemon.output);
      }

      // The same binary, its config file now naming another broker port
      // (the same path: the binary may read only that file).
      tree.MESSAGE_BROKER = { ...tree.MESSAGE_BROKER as object, SERVER: "127.0.0.1:1" };
      await Deno.writeTextFile(config.path, stringify(tree));
      const refused = new ChildRun(binary, ["-c", config.path]);
      assertEquals((await refused.exited).code, 1, refused.output);
      assert(refused.output.includes("--allow-net=127.0.0.1:1"), refused.output);
    } finally {
      await Deno.remove(config.dir, { recursive: true });
    }
  },
});
