/**
 * `deno task start` (scripts/start.sh): the daemon runs with exactly the
 * permission set of its configuration and the production V8 flags — never
 * `-A` — serves a job end to end on the real RabbitMQ and stops with 0.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChildRun } from "../helpers/child_process.ts";
import { writeTestConfig } from "../helpers/daemon_process.ts";
import { JobClient } from "../helpers/job_client.ts";
import { testbedEnv } from "../support/testbed_env.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

Deno.test({
  name: "scripts/start.sh runs the daemon with the scoped flags, never -A, and serves a job",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
    const dir = await Deno.makeTempDir({ prefix: "plastrond-start-" });
    const config = await writeTestConfig(server, {
      dir,
      commands: {
        EXPORT: { OUTPUT_ROOT: join(dir, "exports") },
        IMPORT: { BINARIES_ROOT: join(dir, "binaries") },
        SFTP_HOSTS: [testbedEnv("PLASTROND_TEST_SFTP")],
      },
    });
    const daemon = new ChildRun("bash", [join(ROOT, "scripts/start.sh"), "-c", config.path], ROOT);
    const client = await JobClient.open(server, config.destinations);
    try {
      await daemon.waitForOutput(/connected to .*subscribed/);
      // start.sh execs Deno: the child's own command line is Deno's
      const argv = Deno.readTextFileSync(`/proc/${daemon.child.pid}/cmdline`).split("\0");
      assert(argv.includes("--v8-flags=--max-semi-space-size=4"), argv.join(" "));
      assert(!argv.some((a) => a === "-A" || a === "--allow-all"), argv.join(" "));
      const allows = argv.filter((a) => a.startsWith("--allow-"));
      assertEquals(allows.map((a) => a.split("=")[0]), [
        "--allow-net",
        "--allow-read",
        "--allow-write",
        "--allow-env",
      ]);
      assert(allows.every((a) => a.includes("=")), `every permission scoped: ${allows}`);

      const jobId = `http://localhost/jobs/start-${crypto.randomUUID()}`;
      await client.send({ PlastronCommand: "echo", PlastronJobId: jobId }, "started");
      const completion = await client.completion(jobId);
      assertEquals(completion.headers.PlastronJobStatus, "Done");
    } finally {
      await client.close();
      assertEquals((await daemon.stop()).code, 0, daemon.output);
      await Deno.remove(config.dir, { recursive: true });
    }
  },
});
