/**
 * Sends the outbox to the broker: each completion is sent with a receipt and
 * removed from disk only once the broker confirmed it. While the broker is
 * away, completions wait and go out after reconnect.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { BrokerConnection } from "../broker/types.ts";
import type { MessageStore, OutboxEntry } from "../store/message_store.ts";

const log = getLogger(["plastrond", "outbox"]);
const RETRY_MS = 5_000;

/** Delivers outbox entries in order, at least once. */
export class OutboxSender {
  #store: MessageStore;
  #broker: BrokerConnection;
  #queue: OutboxEntry[] = [];
  #draining: Promise<void> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #sent = 0;

  constructor(store: MessageStore, broker: BrokerConnection) {
    this.#store = store;
    this.#broker = broker;
    broker.onConnect(() => this.kick());
  }

  /** Queue every entry already in the outbox (left by an earlier run). */
  async load(): Promise<number> {
    const entries = await this.#store.listOutgoing();
    this.#queue.push(...entries);
    if (entries.length > 0) log.info(`${entries.length} completion(s) in the outbox to re-send`);
    this.kick();
    return entries.length;
  }

  /** Queue an entry that is now safe to send. */
  release(entry: OutboxEntry): void {
    this.#queue.push(entry);
    this.kick();
  }

  /** Entries not yet confirmed by the broker. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Entries confirmed by the broker since start. */
  get sent(): number {
    return this.#sent;
  }

  /** Try to send now (when connected and not already sending). */
  kick(): void {
    if (this.#stopped || this.#draining || !this.#broker.connected) return;
    if (this.#queue.length === 0) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  /** Wait until the outbox is empty or `timeoutMs` passed; true when empty. */
  async flush(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.#queue.length > 0 && Date.now() < until) {
      this.kick();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.#queue.length === 0;
  }

  /** Stop sending (entries left stay on disk for the next start). */
  stop(): void {
    this.#stopped = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  async #drain(): Promise<void> {
    while (!this.#stopped && this.#queue.length > 0 && this.#broker.connected) {
      const entry = this.#queue[0];
      const { destination, headers, body } = entry.message;
      try {
        await this.#broker.send(destination, headers, body, { receipt: true });
      } catch (error) {
        log.warn(
          `completion of job ${entry.jobId} not confirmed by the broker ` +
            `(${(error as Error).message}); it stays in the outbox and is sent again`,
        );
        this.#scheduleRetry();
        return;
      }
      try {
        await this.#store.removeOutgoing(entry.id);
      } catch (error) {
        log.error(`cannot remove outbox entry ${entry.id}: ${(error as Error).message}`);
      }
      this.#queue.shift();
      this.#sent++;
      log.debug(`completion of job ${entry.jobId} delivered`);
    }
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.kick();
    }, RETRY_MS);
  }
}
