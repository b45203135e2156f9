/**
 * End-to-end tests of the daemon as a child process against the real brokers
 * of the test bed: echo round trips on every transport, crash and broker
 * restarts, duplicates and malformed requests.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { createBrokerConnection } from "../src/broker/stomp_connection.ts";
import type { BrokerConnection, ReceivedMessage } from "../src/broker/types.ts";
import { brokerConfig, sendRawFrame, waitFor } from "./helpers/broker_env.ts";
import {
  DaemonProcess,
  storeFiles,
  testbed,
  type TestDestinations,
  writeTestConfig,
} from "./helpers/daemon_process.ts";
import { testbedEnv } from "./support/testbed_env.ts";

const decoder = new TextDecoder();

/** A STOMP client that watches a daemon's status and completion queues. */
class Watcher {
  readonly completions: ReceivedMessage[] = [];
  readonly progress: ReceivedMessage[] = [];
  constructor(readonly connection: BrokerConnection, readonly destinations: TestDestinations) {}

  static async open(server: string, destinations: TestDestinations): Promise<Watcher> {
    const connection = createBrokerConnection(brokerConfig(server), {
      initialReconnectDelayMs: 300,
      maxReconnectDelayMs: 2000,
    });
    const watcher = new Watcher(connection, destinations);
    connection.subscribe(destinations.completed, (m) => {
      m.ack();
      watcher.completions.push(m);
    });
    connection.subscribe(destinations.status, (m) => {
      m.ack();
      watcher.progress.push(m);
    });
    connection.start();
    await waitFor(() => connection.connected, 20_000, "the test client to connect");
    return watcher;
  }

  send(headers: Record<string, string>, body = ""): Promise<void> {
    return this.connection.send(
      this.destinations.jobs,
      { persistent: "true", ...headers },
      body,
      { receipt: true },
    );
  }

  completionsOf(jobId: string): ReceivedMessage[] {
    return this.completions.filter((m) => m.headers.PlastronJobId === jobId);
  }

  async completion(jobId: string, timeoutMs = 20_000): Promise<ReceivedMessage> {
    await waitFor(() => this.completionsOf(jobId).length > 0, timeoutMs, `completion of ${jobId}`);
    return this.completionsOf(jobId)[0];
  }

  close(): Promise<void> {
    return this.connection.stop();
  }
}

function json(message: ReceivedMessage): Record<string, unknown> {
  return JSON.parse(decoder.decode(message.body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function optionalEnv(name: string): string | undefined {
  try {
    return testbedEnv(name);
  } catch {
    return undefined;
  }
}

const TRANSPORTS: [string, string, boolean][] = [
  ["RabbitMQ over TCP", "PLASTROND_TEST_RABBITMQ_TCP", true],
  ["RabbitMQ over WebSocket", "PLASTROND_TEST_RABBITMQ_WS", true],
  ["ActiveMQ over TCP", "PLASTROND_TEST_ACTIVEMQ_TCP", true],
  ["ActiveMQ over WebSocket", "PLASTROND_TEST_ACTIVEMQ_WS", false],
];

for (const [label, variable, required] of TRANSPORTS) {
  const server = required ? testbedEnv(variable) : optionalEnv(variable);
  Deno.test({
    name: `echo round trip on ${label}: progress, then one completion with the protocol headers`,
    ignore: server === undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const config = await writeTestConfig(server!);
      const watcher = await Watcher.open(server!, config.destinations);
      const daemon = await DaemonProcess.start(config.path);
      try {
        const jobId = `http://archelon.example.edu/echo/${crypto.randomUUID()}`;
        const body = "Hello, plastrond — ünïcödé, 日本語\nsecond line";
        await watcher.send({
          PlastronCommand: "echo",
          PlastronJobId: jobId,
          PlastronStatusURL: "http://archelon.example.edu/status/1",
          "PlastronArg-on-behalf-of": "jdoe",
        }, body);
        const completion = await watcher.completion(jobId);
        assertEquals(completion.headers.PlastronJobStatus, "Done");
        assertEquals(completion.headers.PlastronJobState, "echo_complete");
        assertEquals(completion.headers.persistent, "true");
        assertEquals(completion.headers.PlastronStatusURL, "http://archelon.example.edu/status/1");
        assertEquals(completion.headers.PlastronJobError, undefined);
        assertEquals(json(completion), { type: "Done", echo: body });
        await waitFor(() => watcher.progress.length > 0, 5_000, "a progress message");
        const progress = watcher.progress[0];
        assertEquals(progress.headers.PlastronJobId, jobId);
        assertEquals(progress.headers.persistent, "true");
        const progressBody = json(progress);
        assertEquals(progressBody.echo, body);
        const time = progressBody.time as Record<string, number>;
        assert(time.started > 1.7e9 && time.elapsed >= 0);
        assert(/on behalf of jdoe/.test(daemon.output), "the log names on-behalf-of");
        await sleep(1000);
        assertEquals(watcher.completionsOf(jobId).length, 1);
      } finally {
        const status = await daemon.stop("SIGTERM");
        await watcher.close();
        assertEquals(status.code, 0, daemon.output);
      }
      assertEquals(storeFiles(config.storeDir, "inbox"), []);
      assertEquals(storeFiles(config.storeDir, "outbox"), []);
    },
  });
}

const RABBIT_TCP = () => testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");

Deno.test({
  name: "malformed requests each get their documented outcome and the daemon keeps serving",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server, { daemon: { MAX_BODY_BYTES: 5_000_000 } });
    const watcher = await Watcher.open(server, config.destinations);
    let daemon = await DaemonProcess.start(config.path);
    const id = (label: string) =>
      `http://archelon.example.edu/jobs/${label}-${crypto.randomUUID()}`;
    try {
      // No PlastronJobId: kept in rejected/, acked, no completion.
      await watcher.send({ PlastronCommand: "echo" }, "no id");
      const cases: [string, Record<string, string>, string | Uint8Array, string][] = [
        [id("nocommand"), {}, "x", "no PlastronCommand"],
        [
          id("unknown"),
          { PlastronCommand: "frobnicate" },
          "x",
          'unknown or not allowed command "frobnicate"',
        ],
        [
          id("baddelay"),
          { PlastronCommand: "echo", "PlastronArg-echo-delay": "abc" },
          "x",
          "echo-delay must be a whole number",
        ],
        [
          id("toobig"),
          { PlastronCommand: "echo" },
          "x".repeat(10 * 1024 * 1024),
          "more than this daemon's limit",
        ],
        [
          id("notutf8"),
          { PlastronCommand: "echo" },
          new Uint8Array([0x6f, 0x6b, 0x20, 0xff, 0xfe]),
          "byte offset 3",
        ],
      ];
      for (const [jobId, headers, body, expected] of cases) {
        if (body instanceof Uint8Array) {
          await sendRawFrame(server, config.destinations.jobs, {
            PlastronJobId: jobId,
            ...headers,
            persistent: "true",
          }, body);
        } else {
          await watcher.send({ PlastronJobId: jobId, ...headers }, body);
        }
        const completion = await watcher.completion(jobId);
        assertEquals(completion.headers.PlastronJobStatus, "Error", jobId);
        assert(
          completion.headers.PlastronJobError.includes(expected),
          `${jobId}: ${completion.headers.PlastronJobError}`,
        );
        const result = json(completion);
        assertEquals(result.progress, 0);
        assertEquals(result.error, completion.headers.PlastronJobError);
        assert(String(result.state).endsWith("_error"));
      }
      // A job id full of awkward characters still runs, under its own id.
      const awkward = `http://x/jobs/a b/../%2F..%/日本/${crypto.randomUUID()}`;
      await watcher.send({ PlastronCommand: "echo", PlastronJobId: awkward }, "awkward");
      const done = await watcher.completion(awkward);
      assertEquals(done.headers.PlastronJobStatus, "Done");
      assertEquals(done.headers.PlastronJobId, awkward);
      assertEquals(storeFiles(config.storeDir, "rejected").length, 1);
      const rejected = JSON.parse(
        await Deno.readTextFile(
          join(config.storeDir, "rejected", storeFiles(config.storeDir, "rejected")[0]),
        ),
      );
      assertEquals(rejected.headers.PlastronCommand, "echo");
      assertEquals(watcher.completions.length, cases.length + 1);
    } finally {
      assertEquals((await daemon.stop()).code, 0, daemon.output);
    }
    // Nothing is left to re-run at the next start.
    assertEquals(storeFiles(config.storeDir, "inbox"), []);
    assertEquals(storeFiles(config.storeDir, "outbox"), []);
    const before = watcher.completions.length;
    daemon = await DaemonProcess.start(config.path);
    await sleep(2000);
    assertEquals((await daemon.stop()).code, 0);
    assertEquals(watcher.completions.length, before);
    assertEquals(daemon.count(/running echo/), 0);
    await watcher.close();
  },
});

Deno.test({
  name: "the same PlastronJobId sent twice runs once; a finished job's completion is sent again",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server);
    const watcher = await Watcher.open(server, config.destinations);
    const daemon = await DaemonProcess.start(config.path);
    try {
      const jobId = `http://archelon.example.edu/dup/${crypto.randomUUID()}`;
      const headers = {
        PlastronCommand: "echo",
        PlastronJobId: jobId,
        "PlastronArg-echo-delay": "2",
      };
      await watcher.send(headers, "once");
      await watcher.send(headers, "once");
      await watcher.completion(jobId);
      await sleep(3000);
      assertEquals(watcher.completionsOf(jobId).length, 1);
      assertEquals(daemon.count(/running echo/), 1);
      // Sent again after it finished: not run, the stored completion comes again.
      await watcher.send(headers, "once");
      await waitFor(() => watcher.completionsOf(jobId).length === 2, 10_000, "the copy");
      const [first, copy] = watcher.completionsOf(jobId);
      assertEquals(decoder.decode(copy.body), decoder.decode(first.body));
      assertEquals(daemon.count(/running echo/), 1);
      // Reused with a different request: an Error saying so.
      await watcher.send(headers, "something else");
      await waitFor(() => watcher.completionsOf(jobId).length === 3, 10_000, "the refusal");
      const refusal = watcher.completionsOf(jobId)[2];
      assertEquals(refusal.headers.PlastronJobStatus, "Error");
      assert(refusal.headers.PlastronJobError.includes("already used for a different request"));
      assertEquals(daemon.count(/running echo/), 1);
    } finally {
      await daemon.stop();
      await watcher.close();
    }
  },
});

Deno.test({
  name: "kill -9 while an echo job runs, then restart: exactly one completion",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server);
    const watcher = await Watcher.open(server, config.destinations);
    let daemon = await DaemonProcess.start(config.path);
    const jobId = `http://archelon.example.edu/kill/${crypto.randomUUID()}`;
    try {
      await watcher.send({
        PlastronCommand: "echo",
        PlastronJobId: jobId,
        "PlastronArg-echo-delay": "3",
      }, "survivor");
      await daemon.waitForLog(/running echo/);
      await daemon.stop("SIGKILL");
      assertEquals(storeFiles(config.storeDir, "inbox").length, 1);
      daemon = await DaemonProcess.start(config.path);
      const completion = await watcher.completion(jobId, 30_000);
      assertEquals(json(completion), { type: "Done", echo: "survivor" });
      await sleep(3000);
      assertEquals(watcher.completionsOf(jobId).length, 1);
      assertEquals(storeFiles(config.storeDir, "inbox"), []);
    } finally {
      await daemon.stop();
      await watcher.close();
    }
  },
});

Deno.test({
  name: "SIGTERM leaves an unfinished job in the inbox and exits 0; the next start finishes it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server);
    const watcher = await Watcher.open(server, config.destinations);
    let daemon = await DaemonProcess.start(config.path);
    const jobId = `http://archelon.example.edu/term/${crypto.randomUUID()}`;
    try {
      await watcher.send({
        PlastronCommand: "echo",
        PlastronJobId: jobId,
        "PlastronArg-echo-delay": "30",
      }, "later");
      await daemon.waitForLog(/running echo/);
      const started = Date.now();
      assertEquals((await daemon.stop("SIGTERM")).code, 0);
      assert(Date.now() - started < 10_000, "stopped within the grace period");
      const inbox = storeFiles(config.storeDir, "inbox");
      assertEquals(inbox.length, 1);
      const stored = JSON.parse(await Deno.readTextFile(join(config.storeDir, "inbox", inbox[0])));
      assertEquals(stored.attempts, 0, "a clean stop is not counted as a crash");
      assertEquals(watcher.completionsOf(jobId).length, 0);
      daemon = await DaemonProcess.start(config.path);
      await daemon.waitForLog(/replaying 1 unfinished job/);
    } finally {
      await daemon.stop();
      await watcher.close();
    }
  },
});

Deno.test({
  name: "a job that keeps crashing the daemon ends with Error after MAX_ATTEMPTS",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server, { daemon: { MAX_ATTEMPTS: 2 } });
    const watcher = await Watcher.open(server, config.destinations);
    let daemon = await DaemonProcess.start(config.path);
    const jobId = `http://archelon.example.edu/poison/${crypto.randomUUID()}`;
    try {
      await watcher.send({
        PlastronCommand: "echo",
        PlastronJobId: jobId,
        "PlastronArg-echo-delay": "60",
      }, "poison");
      for (let i = 0; i < 2; i++) {
        await daemon.waitForLog(/running echo/);
        await daemon.stop("SIGKILL");
        daemon = await DaemonProcess.start(config.path);
      }
      const completion = await watcher.completion(jobId);
      assertEquals(completion.headers.PlastronJobStatus, "Error");
      assert(completion.headers.PlastronJobError.includes("interrupted 2 times"));
      assertEquals(storeFiles(config.storeDir, "inbox"), []);
    } finally {
      await daemon.stop();
      await watcher.close();
    }
  },
});

Deno.test({
  name: "a second daemon on the same message store refuses to start",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const config = await writeTestConfig(RABBIT_TCP());
    const first = await DaemonProcess.start(config.path);
    try {
      const second = await DaemonProcess.start(config.path, false);
      const status = await second.exited;
      assertEquals(status.code, 1);
      assert(/in use by another plastrond/.test(second.output), second.output);
    } finally {
      await first.stop();
    }
  },
});

Deno.test({
  name: "broker restarted while a job runs: reconnects, finishes, delivers once; " +
    "a completion made while the broker is down waits in the outbox",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server);
    const watcher = await Watcher.open(server, config.destinations);
    const daemon = await DaemonProcess.start(config.path);
    const restarted = `http://archelon.example.edu/restart/${crypto.randomUUID()}`;
    const whileDown = `http://archelon.example.edu/down/${crypto.randomUUID()}`;
    try {
      await watcher.send({
        PlastronCommand: "echo",
        PlastronJobId: restarted,
        "PlastronArg-echo-delay": "4",
      }, "a");
      await watcher.send({
        PlastronCommand: "echo",
        PlastronJobId: whileDown,
        "PlastronArg-echo-delay": "2",
      }, "b");
      await daemon.waitForLog(/running echo[\s\S]*running echo/);
      await testbed("stop", "rabbitmq");
      // Both jobs finish while the broker is away: their completions wait on disk.
      await daemon.waitForLog(/restart\/.*Done/, 20_000);
      await daemon.waitForLog(/down\/.*Done/, 20_000);
      assertEquals(storeFiles(config.storeDir, "outbox").length, 2);
      await testbed("start", "rabbitmq");
      await watcher.completion(restarted, 60_000);
      await watcher.completion(whileDown, 60_000);
      await sleep(2000);
      assertEquals(watcher.completionsOf(restarted).length, 1);
      assertEquals(watcher.completionsOf(whileDown).length, 1);
      assertEquals(storeFiles(config.storeDir, "outbox"), []);
      assertEquals(daemon.count(/running echo/), 2);
    } finally {
      await daemon.stop();
      await watcher.close();
    }
  },
});

Deno.test({
  name: "a full disk stops intake without losing the request; it runs once space is back",
  ignore: Deno.uid() !== 0, // needs to mount a small tmpfs (CI runs as root)
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const dir = await Deno.makeTempDir({ prefix: "plastrond-full-" });
    const storeDir = join(dir, "msg");
    await Deno.mkdir(storeDir);
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=256k", "tmpfs", storeDir],
    }).output();
    assert(mount.success, new TextDecoder().decode(mount.stderr));
    const config = await writeTestConfig(server, { dir, storeDir });
    const watcher = await Watcher.open(server, config.destinations);
    const daemon = await DaemonProcess.start(config.path);
    const filler = join(storeDir, "filler");
    try {
      // Fill the store's disk.
      await Deno.writeFile(filler, new Uint8Array(256 * 1024)).catch(() => {});
      const jobId = `http://archelon.example.edu/full/${crypto.randomUUID()}`;
      await watcher.send({ PlastronCommand: "echo", PlastronJobId: jobId }, "x".repeat(64 * 1024));
      await daemon.waitForLog(/cannot store job .*not acknowledged/, 15_000);
      assertEquals(watcher.completionsOf(jobId).length, 0);
      await Deno.remove(filler);
      const completion = await watcher.completion(jobId, 30_000);
      assertEquals(completion.headers.PlastronJobStatus, "Done");
      await sleep(1000);
      assertEquals(watcher.completionsOf(jobId).length, 1);
    } finally {
      await daemon.stop();
      await watcher.close();
      await new Deno.Command("umount", { args: [storeDir] }).output();
    }
  },
});

Deno.test({
  name: "the repository is pinged at start; a repository that is down does not stop the daemon",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const up = await writeTestConfig(server);
    let daemon = await DaemonProcess.start(up.path);
    try {
      await daemon.waitForLog(/repository http:\/\/127\.0\.0\.1:8080\/fcrepo\/rest answered/);
    } finally {
      await daemon.stop();
    }
    const down = await writeTestConfig(server);
    const text = await Deno.readTextFile(down.path);
    await Deno.writeTextFile(
      down.path,
      text.replace(/REST_ENDPOINT: .*/, "REST_ENDPOINT: http://127.0.0.1:9/fcrepo/rest"),
    );
    const watcher = await Watcher.open(server, down.destinations);
    daemon = await DaemonProcess.start(down.path);
    try {
      await daemon.waitForLog(/repository http:\/\/127\.0\.0\.1:9\/fcrepo\/rest is not usable/);
      const jobId = `http://archelon.example.edu/norepo/${crypto.randomUUID()}`;
      await watcher.send({ PlastronCommand: "echo", PlastronJobId: jobId }, "still here");
      assertEquals((await watcher.completion(jobId)).headers.PlastronJobStatus, "Done");
    } finally {
      await daemon.stop();
      await watcher.close();
    }
  },
});
