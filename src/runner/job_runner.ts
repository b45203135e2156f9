/**
 * The job runner: turns request frames into stored requests and stored
 * requests into job runs, one run per job id, a bounded number at a time,
 * and sends their progress and completions.
 *
 * Data flows one way: frame → inbox → command → outbox → broker.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { BrokerConnection, ReceivedMessage } from "../broker/types.ts";
import type { Command } from "../commands/types.ts";
import type { Config } from "../config/types.ts";
import { BadRequestError, JobFailedError } from "../errors.ts";
import {
  fromBase64,
  type MessageStore,
  type OutgoingMessage,
  type StoredRequest,
  toBase64,
} from "../store/message_store.ts";
import { reportSample } from "../metrics.ts";
import { parseArgs } from "./args.ts";
import { completionMessage, errorOutcome, type JobOutcome, progressMessage } from "./messages.ts";
import { OutboxSender } from "./outbox_sender.ts";
import { ProgressThrottle } from "./progress_throttle.ts";
import { fingerprint, type JobRequest, readRequest } from "./request.ts";
import { decodeBody } from "./utf8.ts";

const log = getLogger(["plastrond", "runner"]);
const STORE_RETRY_MS = 10_000;
const DAY_MS = 86_400_000;

/** What the runner needs. */
export interface JobRunnerOptions {
  config: Config;
  store: MessageStore;
  broker: BrokerConnection;
  commands: Map<string, Command>;
  /** Least time between two progress frames of one job (default 500 ms). */
  progressIntervalMs?: number;
}

/** A job the runner knows about, for the operator's view. */
export interface ActiveJobInfo {
  jobId: string;
  command: string;
  state: "queued" | "running";
  startedAt?: number;
  progress?: Record<string, unknown>;
}

/** Counters for metrics. */
export interface RunnerCounters {
  received: number;
  done: number;
  failed: number;
  errors: number;
  rejected: number;
  duplicates: number;
}

interface ActiveJob extends ActiveJobInfo {
  controller: AbortController;
}

/** Thrown into a command's signal when the daemon shuts down. */
export class ShutdownSignal extends Error {
  override name = "ShutdownSignal";
}

/** Runs jobs. Create it, {@linkcode JobRunner.start} it, {@linkcode JobRunner.shutdown} it. */
export class JobRunner {
  #config: Config;
  #store: MessageStore;
  #broker: BrokerConnection;
  #commands: Map<string, Command>;
  #progressIntervalMs: number;
  #outbox: OutboxSender;
  #active = new Map<string, ActiveJob>();
  #queue: StoredRequest[] = [];
  #running = new Set<Promise<void>>();
  #held: ReceivedMessage | undefined;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopping = false;
  #subscribed = false;
  /** Counters since start. */
  readonly counters: RunnerCounters = {
    received: 0,
    done: 0,
    failed: 0,
    errors: 0,
    rejected: 0,
    duplicates: 0,
  };

  constructor(options: JobRunnerOptions) {
    this.#config = options.config;
    this.#store = options.store;
    this.#broker = options.broker;
    this.#commands = options.commands;
    this.#progressIntervalMs = options.progressIntervalMs ?? 500;
    this.#outbox = new OutboxSender(options.store, options.broker);
  }

  /** Jobs queued or running now. */
  get activeJobs(): ActiveJobInfo[] {
    return [...this.#active.values()].map(({ controller: _, ...info }) => ({ ...info }));
  }

  /** Completions waiting for the broker. */
  get pendingCompletions(): number {
    return this.#outbox.pending;
  }

  /**
   * Re-send the outbox, replay the inbox, then subscribe to the jobs queue.
   * The broker connection may still be connecting: frames go out once it is up.
   */
  async start(): Promise<void> {
    await this.#outbox.load();
    const stored = await this.#store.listRequests();
    if (stored.length > 0) log.info(`replaying ${stored.length} unfinished job(s) from the inbox`);
    for (const request of stored) this.#enqueue(request);
    this.#expireOldRecords();
    this.#subscribe();
  }

  /**
   * Stop taking jobs, tell running jobs to stop at their next safe point, wait
   * up to `graceMs` for them, then give the outbox a moment to drain.
   * Unfinished jobs stay in the inbox for the next start.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#stopping = true;
    if (this.#subscribed) this.#broker.unsubscribe(this.#config.broker.destinations.jobs);
    this.#subscribed = false;
    this.#held = undefined; // not acked: the broker gives it to someone else
    this.#queue = [];
    for (const job of this.#active.values()) {
      job.controller.abort(new ShutdownSignal("the daemon is shutting down"));
    }
    if (this.#running.size > 0) {
      log.info(`waiting up to ${graceMs / 1000} s for ${this.#running.size} job(s) to stop`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => timer = setTimeout(resolve, graceMs));
      await Promise.race([Promise.allSettled([...this.#running]), grace]);
      clearTimeout(timer);
    }
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#outbox.flush(5_000);
    this.#outbox.stop();
  }

  #subscribe(): void {
    if (this.#stopping || this.#subscribed) return;
    this.#subscribed = true;
    this.#broker.subscribe(
      this.#config.broker.destinations.jobs,
      (message) => this.#onMessage(message),
    );
  }

  #slotsFree(): boolean {
    return this.#running.size + this.#queue.length < this.#config.daemon.maxConcurrentJobs;
  }

  #onMessage(message: ReceivedMessage): void {
    if (this.#stopping) return;
    if (!this.#slotsFree()) {
      // Prefetch is one: holding this frame unacked keeps the broker from
      // sending us more while every slot is busy.
      this.#held = message;
      return;
    }
    this.#guard(this.#accept(message));
  }

  /** Take one frame: reject, answer from the record, refuse, or store and queue it. */
  async #accept(message: ReceivedMessage): Promise<void> {
    const request = readRequest(message.headers, message.body);
    this.counters.received++;
    try {
      if (!request.jobId) {
        const path = await this.#store.putRejected(
          message.headers,
          message.body,
          "no PlastronJobId header",
        );
        this.counters.rejected++;
        log.error(
          `rejected a message without PlastronJobId (headers ${
            JSON.stringify(message.headers)
          }, ${message.body.length} body bytes); kept in ${path}`,
        );
        message.ack();
        return;
      }
      const print = fingerprint(request);
      const finished = await this.#store.getFinished(request.jobId);
      if (finished) {
        this.counters.duplicates++;
        if (finished.fingerprint === print) {
          log.info(`job ${request.jobId} already finished; sending its completion again`);
          await this.#send(request.jobId, finished.completion);
        } else {
          log.warn(`job id ${request.jobId} reused with a different request`);
          await this.#send(
            request.jobId,
            completionMessage(
              this.#config.broker.destinations.jobsCompleted,
              request,
              errorOutcome(
                request.command,
                `job id ${request.jobId} was already used for a different request; ` +
                  "send the new request with a new job id",
              ),
            ),
          );
        }
        message.ack();
        return;
      }
      if (this.#active.has(request.jobId) || await this.#store.getRequest(request.jobId)) {
        this.counters.duplicates++;
        log.info(`job ${request.jobId} is already queued or running; duplicate ignored`);
        message.ack();
        return;
      }
      const problem = this.#check(request);
      if (problem) {
        log.warn(`job ${request.jobId}: bad request: ${problem.message}`);
        await this.#finish(request, print, errorOutcome(request.command, problem.message), false);
        message.ack();
        return;
      }
      const stored: StoredRequest = {
        jobId: request.jobId,
        headers: message.headers,
        bodyBase64: toBase64(message.body),
        fingerprint: print,
        receivedAt: Date.now(),
        attempts: 0,
      };
      await this.#store.putRequest(stored);
      message.ack();
      log.info(
        `job ${request.jobId}: received ${request.command}` +
          (request.onBehalfOf ? ` on behalf of ${request.onBehalfOf}` : ""),
      );
      this.#enqueue(stored);
    } catch (error) {
      // The store could not take it (disk full, permissions): leave it unacked
      // so the broker keeps it, and try again later.
      log.error(
        `cannot store job ${request.jobId || "(no id)"}: ${(error as Error).message}; ` +
          `not acknowledged, retrying in ${STORE_RETRY_MS / 1000} s`,
      );
      this.#later(STORE_RETRY_MS, () => {
        if (!this.#stopping && message.isCurrent()) this.#guard(this.#accept(message));
      });
    }
  }

  /** The reason a request cannot run, or undefined. */
  #check(request: JobRequest): BadRequestError | undefined {
    try {
      this.#prepare(request);
      return undefined;
    } catch (error) {
      if (error instanceof BadRequestError) return error;
      throw error;
    }
  }

  /** Resolve the command, arguments and body of a request, or throw BadRequestError. */
  #prepare(request: JobRequest) {
    if (!request.command) {
      throw new BadRequestError("the request has no PlastronCommand header");
    }
    const command = this.#commands.get(request.command);
    if (!command) {
      const known = [...this.#commands.keys()].join(", ");
      throw new BadRequestError(
        `unknown or not allowed command "${request.command}" (this daemon runs: ${known})`,
      );
    }
    const max = this.#config.daemon.maxBodyBytes;
    if (request.body.length > max) {
      throw new BadRequestError(
        `the message body is ${request.body.length} bytes, more than this daemon's limit of ` +
          `${max} bytes (DAEMON.MAX_BODY_BYTES); split the job`,
      );
    }
    const { args, unknown } = parseArgs(command.name, command.args, request.rawArgs);
    const body = decodeBody(request.body);
    return { command, args, unknown, body };
  }

  #enqueue(request: StoredRequest): void {
    const headers = readRequest(request.headers, new Uint8Array());
    this.#active.set(request.jobId, {
      jobId: request.jobId,
      command: headers.command,
      state: "queued",
      controller: new AbortController(),
    });
    this.#queue.push(request);
    this.#pump();
  }

  /** Start queued jobs while slots are free, then take a held frame. */
  #pump(): void {
    while (
      !this.#stopping && this.#queue.length > 0 &&
      this.#running.size < this.#config.daemon.maxConcurrentJobs
    ) {
      const request = this.#queue.shift()!;
      const run = this.#run(request).catch((error) => {
        log.error(
          `job ${request.jobId}: ${(error as Error).message}; it stays in the inbox ` +
            `and is tried again in ${STORE_RETRY_MS / 1000} s`,
        );
        this.#later(STORE_RETRY_MS, () => {
          if (!this.#stopping && !this.#active.has(request.jobId)) this.#enqueue(request);
        });
      }).finally(() => {
        this.#running.delete(run);
        this.#active.delete(request.jobId);
        this.#pump();
      });
      this.#running.add(run);
    }
    if (!this.#stopping && this.#held && this.#slotsFree()) {
      const message = this.#held;
      this.#held = undefined;
      if (message.isCurrent()) this.#guard(this.#accept(message));
    }
  }

  async #run(stored: StoredRequest): Promise<void> {
    const request = readRequest(stored.headers, fromBase64(stored.bodyBase64));
    const finished = await this.#store.getFinished(stored.jobId);
    if (finished) {
      // Finished before a crash, but its inbox entry was not yet removed.
      const queued = await this.#store.listOutgoing();
      if (!queued.some((entry) => entry.jobId === stored.jobId)) {
        await this.#send(stored.jobId, finished.completion);
      }
      await this.#store.removeRequest(stored.jobId);
      return;
    }
    const maxAttempts = this.#config.daemon.maxAttempts;
    if (stored.attempts >= maxAttempts) {
      log.error(`job ${stored.jobId} was interrupted ${stored.attempts} time(s); not run again`);
      await this.#finish(
        request,
        stored.fingerprint,
        errorOutcome(
          request.command,
          `the job was interrupted ${stored.attempts} times while running (the daemon ` +
            "stopped or crashed); it is not run again: ask an operator to check the " +
            "daemon's log, then send it with a new job id",
        ),
        true,
      );
      return;
    }
    await this.#store.putRequest({ ...stored, attempts: stored.attempts + 1 });
    stored.attempts++;
    const outcome = await this.#execute(request);
    if (outcome === undefined) {
      // Stopped by shutdown at a safe point: not a crash, so not an attempt.
      stored.attempts--;
      await this.#store.putRequest(stored);
      log.info(`job ${stored.jobId}: stopped for shutdown; it runs again at the next start`);
      return;
    }
    await this.#finish(request, stored.fingerprint, outcome, true);
  }

  /** Run the command; undefined when it stopped for shutdown. */
  async #execute(request: JobRequest): Promise<JobOutcome | undefined> {
    const job = this.#active.get(request.jobId);
    const controller = job?.controller ?? new AbortController();
    let prepared;
    try {
      prepared = this.#prepare(request);
    } catch (error) {
      if (error instanceof BadRequestError) return errorOutcome(request.command, error.message);
      throw error;
    }
    const { command, args, unknown, body } = prepared;
    if (unknown.length > 0) {
      log.warn(`job ${request.jobId}: ignoring unknown argument(s) ${unknown.join(", ")}`);
    }
    const started = Date.now();
    if (job) {
      job.state = "running";
      job.startedAt = started;
    }
    log.info(
      `job ${request.jobId}: running ${command.name}` +
        (request.onBehalfOf ? ` on behalf of ${request.onBehalfOf}` : ""),
    );
    const throttle = new ProgressThrottle(
      (progress) => this.#sendProgress(request, progress),
      this.#progressIntervalMs,
      started,
    );
    try {
      const generator = command.run({
        jobId: request.jobId,
        args,
        body,
        onBehalfOf: request.onBehalfOf,
        config: this.#config,
        signal: controller.signal,
      });
      while (true) {
        const step = await generator.next();
        if (step.done) {
          throttle.flush();
          const result = step.value;
          return {
            status: result.status,
            state: result.state,
            error: result.error,
            body: result.body,
          };
        }
        if (job) job.progress = step.value;
        throttle.report(step.value);
      }
    } catch (error) {
      throttle.flush();
      if (controller.signal.aborted) return undefined;
      if (error instanceof BadRequestError) return errorOutcome(command.name, error.message);
      if (error instanceof JobFailedError) {
        return {
          status: "Failed",
          state: error.state,
          error: error.message,
          body: { ...error.result, state: error.state, error: error.message },
        };
      }
      log.error(`job ${request.jobId}: ${(error as Error)?.stack ?? error}`);
      return errorOutcome(
        command.name,
        `internal error: ${(error as Error)?.message ?? error}; ask an operator to check the log`,
      );
    }
  }

  /** Record the outcome, queue the completion, drop the inbox entry, then let it go out. */
  async #finish(
    request: JobRequest,
    print: string,
    outcome: JobOutcome,
    inInbox: boolean,
  ): Promise<void> {
    const completion = completionMessage(
      this.#config.broker.destinations.jobsCompleted,
      request,
      outcome,
    );
    await this.#store.putFinished({
      jobId: request.jobId,
      fingerprint: print,
      finishedAt: Date.now(),
      completion,
    });
    const entry = await this.#store.addOutgoing(request.jobId, completion);
    if (inInbox) await this.#store.removeRequest(request.jobId);
    this.#outbox.release(entry);
    reportSample("jobFinished", {
      command: request.command,
      status: outcome.status,
      body: outcome.body,
    });
    if (outcome.status === "Done") this.counters.done++;
    else if (outcome.status === "Failed") this.counters.failed++;
    else this.counters.errors++;
    log.info(
      `job ${request.jobId}: ${outcome.status} (${outcome.state})` +
        (outcome.error ? `: ${outcome.error}` : ""),
    );
  }

  async #send(jobId: string, message: OutgoingMessage): Promise<void> {
    this.#outbox.release(await this.#store.addOutgoing(jobId, message));
  }

  #sendProgress(request: JobRequest, progress: Record<string, unknown>): void {
    if (!this.#broker.connected) return; // progress is dropped while the broker is away
    const message = progressMessage(
      this.#config.broker.destinations.jobProgress,
      request,
      progress,
    );
    this.#broker.send(message.destination, message.headers, message.body).catch((error) => {
      log.debug(`progress of job ${request.jobId} not sent: ${(error as Error).message}`);
    });
  }

  #expireOldRecords(): void {
    const days = this.#config.daemon.retentionDays;
    this.#store.expire(days).then(
      (removed) => removed > 0 && log.info(`removed ${removed} record(s) older than ${days} days`),
      (error) => log.warn(`cannot expire old records: ${(error as Error).message}`),
    );
    this.#later(DAY_MS, () => this.#expireOldRecords());
  }

  #later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, ms);
    this.#timers.add(timer);
  }

  #guard(work: Promise<void>): void {
    work.catch((error) => log.error(`unexpected runner error: ${(error as Error)?.stack}`));
  }
}
