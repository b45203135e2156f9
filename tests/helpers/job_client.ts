/**
 * A small STOMP job client for tests: sends requests to a daemon's `JOBS`
 * queue and collects its completions, over the real broker.
 *
 * @module
 */
import { createBrokerConnection } from "../../src/broker/stomp_connection.ts";
import type { BrokerConnection, ReceivedMessage } from "../../src/broker/types.ts";
import { brokerConfig, waitFor } from "./broker_env.ts";
import type { TestDestinations } from "./daemon_process.ts";

/** Sends jobs and waits for their completions. */
export class JobClient {
  readonly completions: ReceivedMessage[] = [];

  private constructor(
    readonly connection: BrokerConnection,
    readonly destinations: TestDestinations,
  ) {}

  /** Connect to `server` and subscribe to the completion queue. */
  static async open(server: string, destinations: TestDestinations): Promise<JobClient> {
    const connection = createBrokerConnection(brokerConfig(server), {
      initialReconnectDelayMs: 300,
      maxReconnectDelayMs: 2000,
    });
    const client = new JobClient(connection, destinations);
    connection.subscribe(destinations.completed, (message) => {
      message.ack();
      client.completions.push(message);
    });
    connection.start();
    await waitFor(() => connection.connected, 20_000, "the test client to connect");
    return client;
  }

  /** Send a request (persistent, with a receipt). */
  send(headers: Record<string, string>, body = ""): Promise<void> {
    return this.connection.send(
      this.destinations.jobs,
      { persistent: "true", ...headers },
      body,
      { receipt: true },
    );
  }

  /** Wait for the completion of `jobId`. */
  async completion(jobId: string, timeoutMs = 20_000): Promise<ReceivedMessage> {
    const find = () => this.completions.find((m) => m.headers.PlastronJobId === jobId);
    await waitFor(() => find() !== undefined, timeoutMs, `the completion of ${jobId}`);
    return find() as ReceivedMessage;
  }

  /** Disconnect. */
  close(): Promise<void> {
    return this.connection.stop();
  }
}
