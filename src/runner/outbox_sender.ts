/**
 * Sends the outbox to the broker: each completion is sent with a receipt and
 * removed from disk only once the broker confirmed it. While the broker is
 * away, completions wait and go out after reconnect. A completion the broker
 * itself refuses again and again (e.g. over its size limit) is set aside in
 * `rejected/` and replaced by a small `Error` completion, so it does not hold
 * up the ones behind it.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { BrokerSendError } from "../broker/errors.ts";
import type { BrokerConnection } from "../broker/types.ts";
import type { MessageStore, OutboxEntry } from "../store/message_store.ts";
import { completionMessage, errorOutcome } from "./messages.ts";

const log = getLogger(["plastrond", "outbox"]);
const RETRY_MS = 5_000;

/** Refusals by the broker of one completion before it is replaced by an `Error` one. */
export const MAX_REFUSALS = 3;

/** Delivers outbox entries in order, at least once. */
export class OutboxSender {
  #store: MessageStore;
  #broker: BrokerConnection;
  #queue: OutboxEntry[] = [];
  #draining: Promise<void> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #sent = 0;
  /** Consecutive refusals of the entry at the head of the queue. */
  #refusals = { id: "", count: 0 };

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
        if (
          error instanceof BrokerSendError && error.refused && await this.#refused(entry, error)
        ) {
          continue;
        }
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

  /**
   * Count a refusal of the head entry; at {@linkcode MAX_REFUSALS}, put an
   * `Error` completion in its place and set the original aside. True when
   * the head was replaced (send the replacement now).
   */
  async #refused(entry: OutboxEntry, error: BrokerSendError): Promise<boolean> {
    if (this.#refusals.id !== entry.id) this.#refusals = { id: entry.id, count: 0 };
    this.#refusals.count++;
    if (this.#refusals.count < MAX_REFUSALS) return false;
    const bytes = new TextEncoder().encode(entry.message.body).length;
    const text = `the broker refused this job's completion ${this.#refusals.count} times ` +
      `(${bytes} bytes; ${error.message}); the job ran, but its result cannot be delivered: ` +
      "ask an operator for it (kept in the daemon's message store, rejected/)";
    try {
      const replacement = completionMessage(
        entry.message.destination,
        { jobId: entry.jobId, statusUrl: entry.message.headers.PlastronStatusURL },
        errorOutcome(entry.command ?? "", text),
      );
      const added = await this.#store.addOutgoing(entry.jobId, replacement, entry.command);
      const path = await this.#store.setOutgoingAside(entry, text);
      if (this.#queue[0] === entry) this.#queue[0] = added;
      this.#refusals = { id: "", count: 0 };
      log.error(
        `job ${entry.jobId}: ${text}; set aside in ${path}, an Error completion sent instead`,
      );
      try {
        const finished = await this.#store.getFinished(entry.jobId);
        if (finished && finished.completion.body === entry.message.body) {
          // A duplicate request is answered with the completion that can be delivered.
          await this.#store.putFinished({ ...finished, completion: replacement });
        }
      } catch (recordError) {
        log.warn(
          `job ${entry.jobId}: its finished record keeps the refused completion ` +
            `(${(recordError as Error).message})`,
        );
      }
      return true;
    } catch (storeError) {
      log.error(
        `job ${entry.jobId}: the broker keeps refusing its completion and it cannot be set ` +
          `aside (${(storeError as Error).message}); it is tried again`,
      );
      return false;
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
