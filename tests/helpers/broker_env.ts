/**
 * Test helpers for the real STOMP brokers of the test bed: a
 * {@linkcode BrokerConfig} from the test bed's environment variables, a
 * message collector, a raw STOMP sender for bytes the API cannot send, and a
 * polling wait.
 *
 * @module
 */

import type { BrokerConfig } from "../../src/config/types.ts";
import { parseBrokerAddress } from "../../src/config/broker_address.ts";
import { testbedEnv } from "../support/testbed_env.ts";
import type { ReceivedMessage } from "../../src/broker/types.ts";

/** The value of a test bed variable; throws (failing the test) when it is unset. */
export function requireEnv(name: string): string {
  return testbedEnv(name);
}

/** A broker config for `server` (a `SERVER` value), with test-friendly heart-beats. */
export function brokerConfig(server: string, overrides: Partial<BrokerConfig> = {}): BrokerConfig {
  const parsed = parseBrokerAddress(server);
  if (!parsed.ok) throw new Error(`bad broker address ${server}: ${parsed.reason}`);
  return {
    server,
    address: parsed.address,
    messageStoreDir: "/nonexistent",
    heartbeat: { send: 2000, receive: 2000 },
    destinations: {
      jobs: "/queue/plastrond.test.jobs",
      jobStatus: "/topic/plastrond.test.status",
      jobsCompleted: "/queue/plastrond.test.completed",
      jobProgress: "/topic/plastrond.test.status",
    },
    ...overrides,
  };
}

/** A fresh queue name, so tests never see each other's messages. */
export function uniqueQueue(label: string): string {
  return `/queue/plastrond-test-${label}-${crypto.randomUUID()}`;
}

/** Resolve when `predicate` holds; reject with `what` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Collects the messages a subscription receives. */
export class MessageCollector {
  readonly messages: ReceivedMessage[] = [];
  /** Pass as the subscription handler. */
  readonly handler = (message: ReceivedMessage): void => {
    this.messages.push(message);
  };

  /** Wait until at least `count` messages arrived; returns message `count - 1`. */
  async nth(count: number, timeoutMs = 10_000): Promise<ReceivedMessage> {
    await waitFor(() => this.messages.length >= count, timeoutMs, `message #${count}`);
    return this.messages[count - 1];
  }
}

/**
 * Send one SEND frame with an arbitrary byte body over a raw STOMP 1.2 TCP
 * connection, wait for its RECEIPT, and disconnect.
 */
export async function sendRawFrame(
  hostPort: string,
  destination: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<void> {
  const [host, port] = hostPort.split(":");
  const conn = await Deno.connect({ hostname: host, port: Number(port) });
  try {
    const encoder = new TextEncoder();
    await writeAll(
      conn,
      encoder.encode(`CONNECT\naccept-version:1.2\nhost:/\nheart-beat:0,0\n\n\0`),
    );
    await readUntil(conn, "CONNECTED");
    const head = Object.entries({ ...headers, destination, receipt: "raw-1" })
      .map(([k, v]) => `${k}:${v}`).join("\n");
    const frame = new Uint8Array([
      ...encoder.encode(`SEND\n${head}\ncontent-length:${body.length}\n\n`),
      ...body,
      0,
    ]);
    await writeAll(conn, frame);
    await readUntil(conn, "receipt-id:raw-1");
    await writeAll(conn, encoder.encode("DISCONNECT\nreceipt:raw-2\n\n\0"));
    await readUntil(conn, "receipt-id:raw-2");
  } finally {
    conn.close();
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

async function readUntil(conn: Deno.Conn, text: string): Promise<void> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(4096);
  let seen = "";
  while (!seen.includes(text)) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`broker closed the connection before "${text}": ${seen}`);
    seen += decoder.decode(buffer.subarray(0, n));
    if (seen.startsWith("ERROR")) throw new Error(`broker sent ${seen}`);
  }
}
