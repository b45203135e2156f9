/**
 * A STOMP client that submits jobs the way Archelon does (headers
 * `PlastronCommand`, `PlastronJobId`, `PlastronArg-*`) and waits for each
 * job's completion, timing both ends.
 *
 * @module
 */
import { createBrokerConnection } from "../src/broker/stomp_connection.ts";
import type { BrokerConnection, ReceivedMessage } from "../src/broker/types.ts";
import { parseBrokerAddress } from "../src/config/broker_address.ts";
import type { BenchDestinations } from "./daemon_child.ts";

/** A finished job as the client saw it. */
export interface JobOutcome {
  jobId: string;
  /** `performance.now()` just before the SEND. */
  sentAt: number;
  /** `performance.now()` when the completion arrived. */
  completedAt: number;
  status: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Submits jobs to one daemon's queues. */
export class JobClient {
  readonly #broker: BrokerConnection;
  readonly #destinations: BenchDestinations;
  readonly #waiting = new Map<string, (message: ReceivedMessage, at: number) => void>();

  private constructor(broker: BrokerConnection, destinations: BenchDestinations) {
    this.#broker = broker;
    this.#destinations = destinations;
  }

  /** Connect to `server` (a `SERVER` value) and listen for completions. */
  static async connect(server: string, destinations: BenchDestinations): Promise<JobClient> {
    const parsed = parseBrokerAddress(server);
    if (!parsed.ok) throw new Error(`bad broker address ${server}: ${parsed.reason}`);
    const broker = createBrokerConnection({
      server,
      address: parsed.address,
      messageStoreDir: "/nonexistent",
      login: "guest",
      passcode: "guest",
      heartbeat: { send: 10000, receive: 10000 },
      destinations: {
        jobs: destinations.jobs,
        jobStatus: destinations.status,
        jobsCompleted: destinations.completed,
        jobProgress: destinations.status,
      },
    });
    const client = new JobClient(broker, destinations);
    const connected = new Promise<void>((resolve) => broker.onConnect(resolve));
    broker.subscribe(destinations.completed, (message) => {
      const at = performance.now();
      message.ack();
      // A completion carries PlastronJobStatus (plastrond) or, from the original
      // daemon, only PlastronJobState (done) or PlastronJobError (failed).
      const h = message.headers;
      if (!h["PlastronJobStatus"] && !h["PlastronJobState"] && !h["PlastronJobError"]) return;
      client.#waiting.get(message.headers["PlastronJobId"])?.(message, at);
    });
    // progress messages are drained so the queue does not grow
    broker.subscribe(destinations.status, (message) => message.ack());
    broker.start();
    await connected;
    return client;
  }

  /** Submit one job and wait (up to `timeoutMs`) for its completion. */
  async run(
    command: string,
    args: Record<string, string>,
    body: string,
    timeoutMs = 600_000,
  ): Promise<JobOutcome> {
    const jobId = `bench:${command}:${crypto.randomUUID()}`;
    const headers: Record<string, string> = {
      PlastronCommand: command,
      PlastronJobId: jobId,
      persistent: "true",
    };
    for (const [name, value] of Object.entries(args)) headers[`PlastronArg-${name}`] = value;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = new Promise<{ message: ReceivedMessage; at: number }>((resolve, reject) => {
      this.#waiting.set(jobId, (message, at) => resolve({ message, at }));
      timer = setTimeout(
        () => reject(new Error(`no completion for ${command} job ${jobId} in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const sentAt = performance.now();
    await this.#broker.send(this.#destinations.jobs, headers, body);
    try {
      const { message, at } = await done;
      const text = new TextDecoder().decode(message.body);
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { text };
      }
      return {
        jobId,
        sentAt,
        completedAt: at,
        status: message.headers["PlastronJobStatus"] ??
          (message.headers["PlastronJobError"] ? "Error" : "Done"),
        headers: message.headers,
        body: parsed,
      };
    } finally {
      clearTimeout(timer);
      this.#waiting.delete(jobId);
    }
  }

  /** Disconnect. */
  async close(): Promise<void> {
    await this.#broker.stop();
  }
}
