/**
 * `deno task send-job` (scripts/send_job.ts) against a real daemon on the
 * real RabbitMQ: it prints progress and the completion, exits 0 for Done and
 * 1 otherwise, and puts other jobs' completions back on the queue.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBrokerConnection } from "../../src/broker/stomp_connection.ts";
import type { ReceivedMessage } from "../../src/broker/types.ts";
import { brokerConfig, waitFor } from "../helpers/broker_env.ts";
import { DaemonProcess, writeTestConfig } from "../helpers/daemon_process.ts";
import { testbedEnv } from "../support/testbed_env.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function sendJob(config: string, ...args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "scripts/send_job.ts"), "-c", config, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test({
  name: "send-job prints progress and the completion; other jobs' completions stay on the queue",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
    const config = await writeTestConfig(server);
    const daemon = await DaemonProcess.start(config.path);
    try {
      // a completion of somebody else's job, waiting on the completion queue
      const other = createBrokerConnection(brokerConfig(server));
      other.start();
      await waitFor(() => other.connected, 20_000, "the other client");
      await other.send(
        config.destinations.completed,
        {
          persistent: "true",
          PlastronJobId: "http://archelon.example.edu/jobs/other",
          PlastronJobStatus: "Done",
        },
        '{"type":"Done"}',
        { receipt: true },
      );

      const done = await sendJob(config.path, "echo", "echo-delay=0", "--body", "hi there");
      const stdout = new TextDecoder().decode(done.stdout);
      const stderr = new TextDecoder().decode(done.stderr);
      assertEquals(done.code, 0, stdout + stderr);
      assertMatch(stdout, /^\{"time":.*"echo":"hi there"\}$/m);
      assertMatch(stdout, /^\{"type":"Done","echo":"hi there"\}$/m);
      assertMatch(stderr, /PlastronJobStatus: Done/);

      const refused = await sendJob(config.path, "echo", "echo-delay=soon");
      assertEquals(refused.code, 1);
      assertMatch(new TextDecoder().decode(refused.stderr), /PlastronJobStatus: Error/);

      const seen: ReceivedMessage[] = [];
      other.subscribe(config.destinations.completed, (m) => {
        m.ack();
        seen.push(m);
      });
      await waitFor(() => seen.length > 0, 10_000, "the other job's completion");
      assertEquals(seen[0].headers.PlastronJobId, "http://archelon.example.edu/jobs/other");
      assertEquals(new TextDecoder().decode(seen[0].body), '{"type":"Done"}');
      await other.stop();

      const usage = await sendJob(config.path);
      assertEquals(usage.code, 2);
    } finally {
      await daemon.stop();
      await Deno.remove(config.dir, { recursive: true });
    }
  },
});
