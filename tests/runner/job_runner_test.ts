/**
 * The job runner in-process, against the real RabbitMQ of the test bed and a
 * real message store, with test commands for what `echo` cannot show (a job
 * that ignores the shutdown signal) and a store that fails on purpose (fault
 * injection for errors the fixed store no longer produces).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createBrokerConnection } from "../../src/broker/stomp_connection.ts";
import type { BrokerConnection } from "../../src/broker/types.ts";
import { echoCommand } from "../../src/commands/echo.ts";
import type { Command } from "../../src/commands/types.ts";
import type { Config } from "../../src/config/types.ts";
import { StoreError } from "../../src/errors.ts";
import { JobRunner } from "../../src/runner/job_runner.ts";
import { MessageStore } from "../../src/store/message_store.ts";
import { brokerConfig, waitFor } from "../helpers/broker_env.ts";
import { JobClient } from "../helpers/job_client.ts";
import { testConfig } from "../support/pcdm_objects.ts";
import { testbedEnv } from "../support/testbed_env.ts";

const decoder = new TextDecoder();

/** A runner on fresh queues and a fresh store, with a client to send jobs. */
interface Bed {
  runner: JobRunner;
  store: MessageStore;
  broker: BrokerConnection;
  client: JobClient;
  close(): Promise<void>;
}

async function bed(commands: Command[], daemon: Partial<Config["daemon"]> = {}): Promise<Bed> {
  const server = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
  const dir = await Deno.makeTempDir({ prefix: "plastrond-runner-" });
  const id = crypto.randomUUID().slice(0, 8);
  const destinations = {
    jobs: `/queue/plastrond-test-${id}.jobs`,
    status: `/queue/plastrond-test-${id}.status`,
    completed: `/queue/plastrond-test-${id}.completed`,
  };
  const base = testConfig();
  const config: Config = {
    ...base,
    broker: brokerConfig(server, {
      messageStoreDir: dir,
      destinations: {
        jobs: destinations.jobs,
        jobStatus: destinations.status,
        jobProgress: destinations.status,
        jobsCompleted: destinations.completed,
      },
    }),
    daemon: { ...base.daemon, ...daemon },
  };
  const store = await MessageStore.open(dir);
  const broker = createBrokerConnection(config.broker, {
    initialReconnectDelayMs: 200,
    maxReconnectDelayMs: 1000,
  });
  const runner = new JobRunner({
    config,
    store,
    broker,
    commands: new Map(commands.map((c) => [c.name, c])),
    storeRetryMs: 200,
  });
  await runner.start();
  broker.start();
  await waitFor(() => broker.connected, 15_000, "the runner's broker connection");
  const client = await JobClient.open(server, destinations);
  return {
    runner,
    store,
    broker,
    client,
    async close() {
      await client.close();
      await broker.stop();
      store.close();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A command that ignores the shutdown signal and runs `ms` regardless. */
function stubborn(ms: number, runs: string[]): Command {
  return {
    name: "stubborn",
    args: {},
    async *run(context) {
      runs.push(context.jobId);
      await sleep(ms);
      yield { step: 1 };
      return { status: "Done", state: "stubborn_complete", body: { type: "Done" } };
    },
  };
}

Deno.test({
  name: "a job still running when the grace period ends is not counted as a crash",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const runs: string[] = [];
    const b = await bed([stubborn(2500, runs)]);
    const jobId = `http://archelon.example.edu/stubborn/${crypto.randomUUID()}`;
    try {
      await b.client.send({ PlastronCommand: "stubborn", PlastronJobId: jobId });
      await waitFor(() => runs.length === 1, 10_000, "the job to start");
      assertEquals((await b.store.getRequest(jobId))?.attempts, 1, "counted while it runs");
      const started = Date.now();
      await b.runner.shutdown(300);
      assert(Date.now() - started < 2000, "the grace period is kept");
      assertEquals((await b.store.getRequest(jobId))?.attempts, 0, "its attempt is given back");
      await sleep(2500); // let it end before the store goes away
    } finally {
      await b.close();
    }
  },
});

Deno.test({
  name: "a request the store cannot take because of the request itself gets an Error " +
    "completion and the next job runs",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const b = await bed([echoCommand]);
    const unstorable = `http://archelon.example.edu/unstorable/${crypto.randomUUID()}`;
    const next = `http://archelon.example.edu/next/${crypto.randomUUID()}`;
    const putRequest = b.store.putRequest.bind(b.store);
    b.store.putRequest = (request) => {
      if (request.jobId !== unstorable) return putRequest(request);
      const cause = Object.assign(new Error("File name too long (os error 36)"), {
        code: "ENAMETOOLONG",
      });
      return Promise.reject(new StoreError(`cannot write x: ${cause.message}`, { cause }));
    };
    try {
      await b.client.send({ PlastronCommand: "echo", PlastronJobId: unstorable }, "a");
      await b.client.send({ PlastronCommand: "echo", PlastronJobId: next }, "b");
      const refused = await b.client.completion(unstorable, 10_000);
      assertEquals(refused.headers.PlastronJobStatus, "Error");
      assert(refused.headers.PlastronJobError.includes("cannot be stored"));
      const done = await b.client.completion(next, 10_000);
      assertEquals(JSON.parse(decoder.decode(done.body)).echo, "b");
    } finally {
      await b.runner.shutdown(1000);
      await b.close();
    }
  },
});

Deno.test({
  name: "when the outcome cannot be recorded, only the finishing is retried: the command runs once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const runs: string[] = [];
    const b = await bed([stubborn(100, runs)]);
    const jobId = `http://archelon.example.edu/finish/${crypto.randomUUID()}`;
    let failures = 0;
    const addOutgoing = b.store.addOutgoing.bind(b.store);
    b.store.addOutgoing = (...args) => {
      if (args[0] === jobId && failures < 3) {
        failures++;
        const cause = Object.assign(new Error("No space left on device"), { code: "ENOSPC" });
        return Promise.reject(new StoreError(`cannot write x: ${cause.message}`, { cause }));
      }
      return addOutgoing(...args);
    };
    try {
      await b.client.send({ PlastronCommand: "stubborn", PlastronJobId: jobId });
      const completion = await b.client.completion(jobId, 15_000);
      assertEquals(completion.headers.PlastronJobStatus, "Done");
      assertEquals(failures, 3);
      assertEquals(runs, [jobId], "the command ran once");
      assertEquals(await b.store.getRequest(jobId), undefined);
      await sleep(500);
      assertEquals(b.client.completions.length, 1);
    } finally {
      await b.runner.shutdown(1000);
      await b.close();
    }
  },
});
