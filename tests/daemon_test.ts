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
import { formatCsv } from "../src/csv/write.ts";
import { RepositoryClient } from "../src/repository/client.ts";
import { fedoraConfig } from "./repository/_fedora.ts";

const decoder = new TextDecoder();

/** A STOMP client that watches a daemon's status and completion queues. */
class Watcher {
  readonly completions: ReceivedMessage[] = [];
  readonly progress: ReceivedMessage[] = [];
  /** Every message in the order it arrived, progress and completions alike. */
  readonly arrivals: ReceivedMessage[] = [];
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
      watcher.arrivals.push(m);
    });
    connection.subscribe(destinations.status, (m) => {
      m.ack();
      watcher.progress.push(m);
      watcher.arrivals.push(m);
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
        assert(
          watcher.arrivals.indexOf(progress) < watcher.arrivals.indexOf(completion),
          "the progress message came before the completion",
        );
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
      // No PlastronJobId: kept in rejected/, acked, no completion; logged with
      // a preview of its body, secrets redacted.
      await watcher.send({ PlastronCommand: "echo" }, "no id, sftp://ann:s3cr/et@host/x");
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
          id("longdelay"),
          { PlastronCommand: "echo", "PlastronArg-echo-delay": "2592000" },
          "x",
          "echo-delay must be at most 86400 seconds",
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
      assert(daemon.output.includes("no id, sftp://ann:***@host/x"), "the body preview is logged");
      assert(!daemon.output.includes("s3cr/et"), "the URI password was redacted");
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
      // Reused with a different request while it runs: an Error saying so.
      await watcher.send(headers, "different, while it runs");
      const status = (m: ReceivedMessage) => m.headers.PlastronJobStatus;
      await waitFor(
        () => watcher.completionsOf(jobId).some((m) => status(m) === "Done"),
        20_000,
        "the completion",
      );
      await sleep(3000);
      assertEquals(watcher.completionsOf(jobId).map(status).sort(), ["Done", "Error"]);
      const first = watcher.completionsOf(jobId).find((m) => status(m) === "Done")!;
      const whileRunning = watcher.completionsOf(jobId).find((m) => status(m) === "Error")!;
      assert(
        whileRunning.headers.PlastronJobError.includes(
          "already queued or running with a different request",
        ),
        whileRunning.headers.PlastronJobError,
      );
      assertEquals(json(first), { type: "Done", echo: "once" });
      assertEquals(daemon.count(/running echo/), 1);
      // Sent again after it finished: not run, the stored completion comes again.
      await watcher.send(headers, "once");
      await waitFor(() => watcher.completionsOf(jobId).length === 3, 10_000, "the copy");
      const copy = watcher.completionsOf(jobId)[2];
      assertEquals(decoder.decode(copy.body), decoder.decode(first.body));
      assertEquals(daemon.count(/running echo/), 1);
      // Reused with a different request after it finished: an Error saying so.
      await watcher.send(headers, "something else");
      await waitFor(() => watcher.completionsOf(jobId).length === 4, 10_000, "the refusal");
      const refusal = watcher.completionsOf(jobId)[3];
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
  name: "broker restarted and back while a job still runs: the daemon reconnects by itself, " +
    "the job finishes and its completion arrives once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server);
    const watcher = await Watcher.open(server, config.destinations);
    const daemon = await DaemonProcess.start(config.path);
    const jobId = `http://archelon.example.edu/outlives/${crypto.randomUUID()}`;
    try {
      await watcher.send({
        PlastronCommand: "echo",
        PlastronJobId: jobId,
        "PlastronArg-echo-delay": "25",
      }, "outlives the broker's restart");
      await daemon.waitForLog(/running echo/);
      const connections = daemon.count(/connected to .*subscribed/);
      await testbed("restart", "rabbitmq");
      // back before the job ends: the daemon is connected again while it still runs
      await daemon.waitForLog(
        new RegExp(`(connected to [^\\n]*subscribed[\\s\\S]*){${connections + 1}}`),
        30_000,
      );
      assert(!/outlives\/.*Done/.test(daemon.output), "the job was still running");
      await watcher.completion(jobId, 60_000);
      await sleep(2000);
      assertEquals(watcher.completionsOf(jobId).length, 1);
      assertEquals(daemon.count(/running echo/), 1);
      assertEquals(storeFiles(config.storeDir, "outbox"), []);
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

Deno.test({
  name: "long job ids (a 300-character URI, a 40-character CJK id) run and are answered, " +
    "the next job runs too, and a damaged inbox file does not stop the start",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server, { daemon: { MAX_CONCURRENT_JOBS: 1 } });
    await Deno.mkdir(join(config.storeDir, "inbox"), { recursive: true });
    await Deno.writeTextFile(join(config.storeDir, "inbox", "damaged.json"), "null");
    const watcher = await Watcher.open(server, config.destinations);
    const daemon = await DaemonProcess.start(config.path);
    const ids = [
      "http://archelon.example.edu/import_jobs/" + "a".repeat(260),
      "アーカイブ取込ジョブ番号".repeat(4).slice(0, 40),
      `http://archelon.example.edu/next/${crypto.randomUUID()}`,
    ];
    assertEquals(ids[0].length, 300);
    assertEquals(ids[1].length, 40);
    try {
      for (const jobId of ids) {
        await watcher.send({ PlastronCommand: "echo", PlastronJobId: jobId }, `body of ${jobId}`);
      }
      for (const jobId of ids) {
        const completion = await watcher.completion(jobId, 20_000);
        assertEquals(completion.headers.PlastronJobStatus, "Done", jobId);
        assertEquals(completion.headers.PlastronJobId, jobId);
        assertEquals(json(completion).echo, `body of ${jobId}`);
      }
      // Sent again: answered from the finished record, not run again.
      await watcher.send({ PlastronCommand: "echo", PlastronJobId: ids[0] }, `body of ${ids[0]}`);
      await waitFor(() => watcher.completionsOf(ids[0]).length === 2, 10_000, "the copy");
      assertEquals(daemon.count(/running echo/), 3);
      assert(/store file .*damaged\.json is damaged/.test(daemon.output), daemon.output);
      assertEquals(storeFiles(config.storeDir, "rejected").length, 1);
    } finally {
      assertEquals((await daemon.stop()).code, 0, daemon.output);
      await watcher.close();
    }
    assertEquals(storeFiles(config.storeDir, "inbox"), []);
  },
});

Deno.test({
  name: "a 10 MB body runs with the default size limit and is echoed back whole",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server);
    const watcher = await Watcher.open(server, config.destinations);
    const daemon = await DaemonProcess.start(config.path);
    const jobId = `http://archelon.example.edu/big/${crypto.randomUUID()}`;
    const body = "0123456789abcdé\n".repeat(640 * 1024); // 10 MiB of UTF-8, 10 Mi chars
    try {
      await watcher.send({ PlastronCommand: "echo", PlastronJobId: jobId }, body);
      const completion = await watcher.completion(jobId, 60_000);
      assertEquals(completion.headers.PlastronJobStatus, "Done");
      assert(json(completion).echo === body, "the whole body comes back");
      await waitFor(() => watcher.progress.length > 0, 5_000, "the progress message");
      const progress = json(watcher.progress[0]);
      assertEquals(progress.truncated, true);
      assertEquals(progress.length, body.length);
      assert(body.startsWith(progress.echo as string));
    } finally {
      assertEquals((await daemon.stop()).code, 0, daemon.output);
      await watcher.close();
    }
  },
});

Deno.test({
  name: "a full disk when the outcome is written: it is kept and written once space is back, " +
    "the job does not run again",
  ignore: Deno.uid() !== 0, // needs to mount a small tmpfs (CI runs as root)
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const dir = await Deno.makeTempDir({ prefix: "plastrond-full-finish-" });
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
      const jobId = `http://archelon.example.edu/full-finish/${crypto.randomUUID()}`;
      await watcher.send({
        PlastronCommand: "echo",
        PlastronJobId: jobId,
        "PlastronArg-echo-delay": "2",
      }, "y".repeat(20 * 1024));
      await daemon.waitForLog(/running echo/);
      await Deno.writeFile(filler, new Uint8Array(256 * 1024)).catch(() => {});
      await daemon.waitForLog(/its outcome cannot be recorded/, 15_000);
      assertEquals(watcher.completionsOf(jobId).length, 0);
      await Deno.remove(filler);
      const completion = await watcher.completion(jobId, 30_000);
      assertEquals(completion.headers.PlastronJobStatus, "Done");
      await sleep(1000);
      assertEquals(watcher.completionsOf(jobId).length, 1);
      assertEquals(daemon.count(/running echo/), 1, "the command ran once");
      assertEquals(storeFiles(storeDir, "inbox"), []);
    } finally {
      await daemon.stop();
      await watcher.close();
      await new Deno.Command("umount", { args: [storeDir] }).output();
    }
  },
});

Deno.test({
  name: "a completion the broker refuses (too large) is replaced by an Error after a few tries, " +
    "and the completions behind it go out",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server);
    const watcher = await Watcher.open(server, config.destinations);
    const daemon = await DaemonProcess.start(config.path);
    const huge = `http://archelon.example.edu/huge/${crypto.randomUUID()}`;
    const next = `http://archelon.example.edu/after-huge/${crypto.randomUUID()}`;
    try {
      // 24 MiB of U+0001 is 144 MiB of JSON ("\u0001" each): over both brokers' limits.
      await watcher.send(
        { PlastronCommand: "echo", PlastronJobId: huge },
        "\u0001".repeat(24 << 20),
      );
      await watcher.send({ PlastronCommand: "echo", PlastronJobId: next }, "small");
      const replaced = await watcher.completion(huge, 120_000);
      assertEquals(replaced.headers.PlastronJobStatus, "Error");
      assert(
        replaced.headers.PlastronJobError.includes(
          "the broker refused this job's completion 3 times",
        ),
        replaced.headers.PlastronJobError,
      );
      assertEquals(replaced.headers.PlastronJobState, "echo_error");
      assertEquals(json(await watcher.completion(next, 30_000)).echo, "small");
      const aside = storeFiles(config.storeDir, "rejected");
      assertEquals(aside.length, 1);
      assert(aside[0].endsWith("-refused-completion.json"));
      // A duplicate request now gets the completion that can be delivered.
      await watcher.send(
        { PlastronCommand: "echo", PlastronJobId: huge },
        "\u0001".repeat(24 << 20),
      );
      await waitFor(() => watcher.completionsOf(huge).length === 2, 30_000, "the copy");
      const copy = watcher.completionsOf(huge)[1];
      assertEquals(copy.headers.PlastronJobError, replaced.headers.PlastronJobError);
      assertEquals(daemon.count(/running echo/), 2, "the duplicate did not run");
    } finally {
      assertEquals((await daemon.stop()).code, 0, daemon.output);
      await watcher.close();
    }
    assertEquals(storeFiles(config.storeDir, "outbox"), []);
  },
});

Deno.test({
  name: "two daemons on one queue, one slot each: a waiting job goes to the idle daemon at once, " +
    "each job runs once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const first = await writeTestConfig(server, { daemon: { MAX_CONCURRENT_JOBS: 1 } });
    const second = await writeTestConfig(server, {
      daemon: { MAX_CONCURRENT_JOBS: 1 },
      destinations: first.destinations,
    });
    const watcher = await Watcher.open(server, first.destinations);
    const daemons = [
      await DaemonProcess.start(first.path),
      await DaemonProcess.start(second.path),
    ];
    const id = (label: string) =>
      `http://archelon.example.edu/shared/${label}-${crypto.randomUUID()}`;
    const [long, shortA, shortB] = [id("long"), id("short-a"), id("short-b")];
    try {
      await watcher.send({
        PlastronCommand: "echo",
        PlastronJobId: long,
        "PlastronArg-echo-delay": "10",
      }, "long");
      await waitFor(
        () => daemons.some((d) => d.output.includes(`job ${long}: running echo`)),
        10_000,
        "the long job to start",
      );
      const sent = Date.now();
      for (const jobId of [shortA, shortB]) {
        await watcher.send({
          PlastronCommand: "echo",
          PlastronJobId: jobId,
          "PlastronArg-echo-delay": "1",
        }, jobId);
      }
      // Both short jobs are done by the idle daemon, one after the other,
      // while the long one still runs on the busy daemon.
      await watcher.completion(shortA, 8_000);
      await watcher.completion(shortB, 8_000);
      assert(Date.now() - sent < 8_000, "the short jobs did not wait for the long one");
      assertEquals(watcher.completionsOf(long).length, 0, "the long job is still running");
      await watcher.completion(long, 20_000);
      await sleep(1000);
      for (const jobId of [long, shortA, shortB]) {
        assertEquals(watcher.completionsOf(jobId).length, 1, jobId);
        const runs = daemons.map((d) =>
          d.count(new RegExp(`job ${RegExp.escape(jobId)}: running`))
        );
        assertEquals(runs.reduce((a, b) => a + b), 1, `${jobId} ran once (${runs})`);
      }
    } finally {
      for (const daemon of daemons) assertEquals((await daemon.stop()).code, 0, daemon.output);
      await watcher.close();
    }
    for (const config of [first, second]) assertEquals(storeFiles(config.storeDir, "inbox"), []);
  },
});

Deno.test({
  name: "an uncaught exception in the daemon's process is logged and the daemon keeps running",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const config = await writeTestConfig(RABBIT_TCP());
    const root = new URL("../", import.meta.url);
    const script = join(config.dir, "throwing_daemon.ts");
    await Deno.writeTextFile(
      script,
      `import { loadConfig } from "${new URL("src/config/load.ts", root)}";
import { runDaemon } from "${new URL("src/daemon.ts", root)}";
import { setupLogging } from "${new URL("src/log.ts", root)}";
await setupLogging({ verbose: false });
let stop = (_: string) => {};
const stopSignal = new Promise<string>((resolve) => stop = resolve);
const code = await runDaemon(await loadConfig(Deno.args[0]), {
  verbose: false,
  stopSignal,
  onReady() {
    setTimeout(() => { throw new Error("boom from a timer"); }, 100);
    setTimeout(() => stop("test"), 1500);
  },
});
console.log("runDaemon returned " + code);
`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", new URL("deno.json", root).pathname, script, config.path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = decoder.decode(output.stdout) + decoder.decode(output.stderr);
    assert(output.success, text);
    assert(/unexpected exception \(the daemon keeps running\).*boom from a timer/.test(text), text);
    assert(text.includes("runDaemon returned 0"), text);
  },
});

Deno.test({
  name: "an import that finished incomplete, resumed with an empty body, runs again from its " +
    "stored CSV: a new completion, nothing created twice",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = RABBIT_TCP();
    const config = await writeTestConfig(server);
    const repo = await RepositoryClient.create(fedoraConfig());
    const relpath = `plastrond-test/import-resume-${crypto.randomUUID()}`;
    await repo.ensureContainer(`${repo.endpoint}/plastrond-test`);
    const watcher = await Watcher.open(server, config.destinations);
    const daemon = await DaemonProcess.start(config.path);
    const jobId = `http://archelon.example.edu/import_jobs/${crypto.randomUUID()}`;
    const headers = {
      PlastronCommand: "import",
      PlastronJobId: jobId,
      "PlastronArg-model": "Item",
      "PlastronArg-relpath": relpath,
    };
    const text = "http://purl.org/dc/dcmitype/Text";
    const rights = "http://rightsstatements.org/vocab/InC/1.0/";
    const csv = await formatCsv([
      ["Identifier", "Object Type", "Rights Statement", "Title", "Date"],
      [`resume-ok-${jobId}`, text, rights, "A row that imports", "1950"],
      [`resume-bad-${jobId}`, text, rights, "", "1951"], // no Title: invalid
    ]);
    try {
      await watcher.send(headers, csv);
      const first = await watcher.completion(jobId, 60_000);
      assertEquals(first.headers.PlastronJobStatus, "Done");
      assertEquals(first.headers.PlastronJobState, "import_incomplete");
      const firstBody = json(first) as { count: Record<string, number> };
      assertEquals([firstBody.count.created, firstBody.count.invalid], [1, 1]);

      await watcher.send({ ...headers, "PlastronArg-resume": "true" }, "");
      await waitFor(() => watcher.completionsOf(jobId).length === 2, 60_000, "the new completion");
      const second = watcher.completionsOf(jobId)[1];
      assertEquals(second.headers.PlastronJobStatus, "Done", decoder.decode(second.body));
      assertEquals(second.headers.PlastronJobState, "import_incomplete");
      const secondBody = json(second) as { count: Record<string, number> };
      assertEquals(secondBody.count.rows, 2, "the stored CSV was used");
      assertEquals(secondBody.count.invalid, 1);
      assertEquals(daemon.count(/running import/), 2, "the resume ran");
      const objects = await repo.children(`${repo.endpoint}/${relpath}`);
      assertEquals(objects.length, 1, "nothing was created twice");

      // Every resume runs again; rows already done are skipped.
      await watcher.send({ ...headers, "PlastronArg-resume": "true" }, "");
      await waitFor(() => watcher.completionsOf(jobId).length === 3, 60_000, "a third run");
      assertEquals((await repo.children(`${repo.endpoint}/${relpath}`)).length, 1);
    } finally {
      assertEquals((await daemon.stop()).code, 0, daemon.output);
      await watcher.close();
      repo.close();
    }
  },
});
