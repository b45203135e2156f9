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
import { redact } from "../redact.ts";
import { isRequestDependent } from "../store/atomic_file.ts";
import {
  fromBase64,
  type MessageStore,
  type OutboxEntry,
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
/** How much of the body of a message without a job id goes into the log. */
const BODY_PREVIEW_CHARS = 500;

/** What the runner needs. */
export interface JobRunnerOptions {
  config: Config;
  store: MessageStore;
  broker: BrokerConnection;
  commands: Map<string, Command>;
  /** Least time between two progress frames of one job (default 500 ms). */
  progressIntervalMs?: number;
  /** Wait between tries when the store cannot be written (default 10 s). */
  storeRetryMs?: number;
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
  /** The request's identity, to tell a duplicate from a reused job id. */
  fingerprint: string;
  /** The inbox entry as last written, while the job runs. */
  stored?: StoredRequest;
  /** Still running when the shutdown grace period ended; its attempt was given back. */
  abandoned?: boolean;
}

/** How far a job's finishing got, so a retry does not repeat a step. */
interface FinishSteps {
  recorded?: boolean;
  entry?: OutboxEntry;
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
  #storeRetryMs: number;
  #outbox: OutboxSender;
  #active = new Map<string, ActiveJob>();
  #queue: StoredRequest[] = [];
  #running = new Set<Promise<void>>();
  #held: ReceivedMessage | undefined;
  /** Frames being stored now: they take a slot as soon as they are acked. */
  #accepting = 0;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopping = false;
  /** Aborted at shutdown: ends waits between store retries. */
  #stop = new AbortController();
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
    this.#storeRetryMs = options.storeRetryMs ?? STORE_RETRY_MS;
    this.#outbox = new OutboxSender(options.store, options.broker);
  }

  /** Jobs queued or running now. */
  get activeJobs(): ActiveJobInfo[] {
    return [...this.#active.values()].map((job) => {
      const info: ActiveJobInfo = { jobId: job.jobId, command: job.command, state: job.state };
      if (job.startedAt !== undefined) info.startedAt = job.startedAt;
      if (job.progress !== undefined) info.progress = job.progress;
      return info;
    });
  }

  /** Completions waiting for the broker. */
  get pendingCompletions(): number {
    return this.#outbox.pending;
  }

  /**
   * Re-send the outbox, replay the inbox, then subscribe to the jobs queue
   * (once a job slot is free). The broker connection may still be
   * connecting: frames go out once it is up, the outbox's first.
   */
  async start(): Promise<void> {
    await this.#outbox.load();
    const stored = await this.#store.listRequests();
    if (stored.length > 0) log.info(`replaying ${stored.length} unfinished job(s) from the inbox`);
    for (const request of stored) this.#enqueue(request);
    this.#expireOldRecords();
    this.#updateSubscription();
  }

  /**
   * Stop taking jobs, tell running jobs to stop at their next safe point, wait
   * up to `graceMs` for them, then give the outbox a moment to drain.
   * Unfinished jobs stay in the inbox for the next start.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#stopping = true;
    this.#stop.abort();
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
      await this.#giveBackAttempts();
    }
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#outbox.flush(5_000);
    this.#outbox.stop();
  }

  /**
   * Jobs still running after the grace period are cut short by the exit, but
   * that is a shutdown, not a crash: their inbox entries get back the attempt
   * counted when they started.
   */
  async #giveBackAttempts(): Promise<void> {
    for (const job of this.#active.values()) {
      const stored = job.stored;
      if (job.state !== "running" || !stored || job.abandoned) continue;
      job.abandoned = true;
      stored.attempts = Math.max(0, stored.attempts - 1);
      try {
        await this.#store.putRequest(stored);
        log.warn(
          `job ${job.jobId} did not reach a safe point within the grace period; ` +
            "it runs again at the next start (not counted as a crash)",
        );
      } catch (error) {
        log.error(`job ${job.jobId}: cannot update its inbox entry: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Flow control (SPEC §7): subscribed only while a job slot is free, so that
   * other daemons on the queue get the waiting jobs. Called whenever the
   * number of jobs changes; the UNSUBSCRIBE goes right after the ACK of the
   * request that took the last slot.
   */
  #updateSubscription(): void {
    const destination = this.#config.broker.destinations.jobs;
    const wanted = !this.#stopping && this.#slotsFree();
    if (wanted && !this.#subscribed) {
      this.#subscribed = true;
      this.#broker.subscribe(destination, (message) => this.#onMessage(message));
      log.debug(`a job slot is free: subscribed to ${destination}`);
    } else if (!wanted && this.#subscribed && !this.#stopping) {
      this.#subscribed = false;
      this.#broker.unsubscribe(destination);
      log.debug(`every job slot is busy: unsubscribed from ${destination}`);
    }
  }

  #slotsFree(): boolean {
    const taken = this.#running.size + this.#queue.length + this.#accepting;
    return taken < this.#config.daemon.maxConcurrentJobs;
  }

  /** The command's rerun argument is true: the request runs again although its job finished. */
  #reruns(request: JobRequest): boolean {
    const command = this.#commands.get(request.command);
    const name = command?.rerunArg;
    const spec = name === undefined ? undefined : command?.args[name];
    if (!command || name === undefined || !spec) return false;
    try {
      return parseArgs(command.name, { [name]: spec }, request.rawArgs).args[name] === true;
    } catch {
      return false; // a bad value is reported when the request is checked
    }
  }

  #onMessage(message: ReceivedMessage): void {
    if (this.#stopping) return;
    if (!this.#slotsFree()) {
      // Only when a frame was on its way as the last slot filled: holding it
      // unacked (prefetch is one) until a slot frees loses nothing.
      this.#held = message;
      return;
    }
    this.#take(message);
  }

  /**
   * Accept a frame, counting it against the slots meanwhile; afterwards
   * unsubscribe if it took the last slot (the UNSUBSCRIBE follows its ACK
   * before any other frame is read).
   */
  #take(message: ReceivedMessage): void {
    this.#accepting++;
    this.#guard(
      this.#accept(message).finally(() => {
        this.#accepting--;
        this.#updateSubscription();
      }),
    );
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
          }, ${message.body.length} body bytes: ${bodyPreview(message.body)}); kept in ${path}`,
        );
        message.ack();
        return;
      }
      const print = fingerprint(request);
      const reruns = this.#reruns(request);
      const pending = this.#active.get(request.jobId)?.fingerprint ??
        (await this.#store.getRequest(request.jobId))?.fingerprint;
      if (pending !== undefined) {
        this.counters.duplicates++;
        if (pending === print || reruns) {
          log.info(`job ${request.jobId} is already queued or running; duplicate ignored`);
        } else {
          log.warn(`job id ${request.jobId} reused with a different request while it runs`);
          await this.#sendRefusal(
            request,
            `job id ${request.jobId} is already queued or running with a different request; ` +
              "send the new request with a new job id",
          );
        }
        message.ack();
        return;
      }
      const finished = await this.#store.getFinished(request.jobId);
      if (finished && !reruns) {
        this.counters.duplicates++;
        if (finished.fingerprint === print) {
          log.info(`job ${request.jobId} already finished; sending its completion again`);
          await this.#send(request.jobId, finished.completion, request.command);
        } else {
          log.warn(`job id ${request.jobId} reused with a different request`);
          await this.#sendRefusal(
            request,
            `job id ${request.jobId} was already used for a different request; ` +
              "send the new request with a new job id",
          );
        }
        message.ack();
        return;
      }
      const problem = this.#check(request);
      if (problem) {
        log.warn(`job ${request.jobId}: bad request: ${problem.message}`);
        const outcome = errorOutcome(request.command, problem.message);
        // A bad resume of a finished job leaves that job's record as it is.
        if (finished) await this.#sendRefusal(request, problem.message);
        else await this.#finish(request, print, outcome, undefined);
        message.ack();
        return;
      }
      if (finished) log.info(`job ${request.jobId} finished before; running it again (resume)`);
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
      this.#enqueue(stored, print);
    } catch (error) {
      if (isRequestDependent(error) && await this.#refuseUnstorable(request, error as Error)) {
        message.ack();
        return;
      }
      // The store could not take it (disk full, permissions): leave it unacked
      // so the broker keeps it, and try again later.
      log.error(
        `cannot store job ${request.jobId || "(no id)"}: ${(error as Error).message}; ` +
          `not acknowledged, retrying in ${this.#storeRetryMs / 1000} s`,
      );
      this.#later(this.#storeRetryMs, () => {
        if (!this.#stopping && message.isCurrent()) this.#take(message);
      });
    }
  }

  /**
   * A request the store cannot take because of the request itself (its name
   * or size): retrying cannot help, so it gets an `Error` completion. False
   * when even that cannot be written (then the caller retries later).
   */
  async #refuseUnstorable(request: JobRequest, error: Error): Promise<boolean> {
    const text = `this request cannot be stored (${error.message}); ` +
      "send it again with a shorter job id or a smaller body";
    log.error(`job ${request.jobId || "(no id)"}: ${text}`);
    if (!request.jobId) return false;
    try {
      await this.#finish(request, fingerprint(request), errorOutcome(request.command, text));
      return true;
    } catch (second) {
      log.error(`job ${request.jobId}: cannot refuse it either: ${(second as Error).message}`);
      return false;
    }
  }

  /** An `Error` completion that changes no record: the job id belongs to another request. */
  async #sendRefusal(request: JobRequest, text: string): Promise<void> {
    await this.#send(
      request.jobId,
      completionMessage(
        this.#config.broker.destinations.jobsCompleted,
        request,
        errorOutcome(request.command, text),
      ),
      request.command,
    );
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

  #enqueue(request: StoredRequest, print = request.fingerprint): void {
    const headers = readRequest(request.headers, new Uint8Array());
    this.#active.set(request.jobId, {
      jobId: request.jobId,
      command: headers.command,
      state: "queued",
      controller: new AbortController(),
      fingerprint: print,
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
            `and is tried again in ${this.#storeRetryMs / 1000} s`,
        );
        this.#later(this.#storeRetryMs, () => {
          if (this.#stopping || this.#active.has(request.jobId)) return;
          this.#enqueue(request);
          this.#updateSubscription();
        });
      }).finally(() => {
        this.#running.delete(run);
        this.#active.delete(request.jobId);
        this.#pump();
        this.#updateSubscription();
      });
      this.#running.add(run);
    }
    if (!this.#stopping && this.#held && this.#slotsFree()) {
      const message = this.#held;
      this.#held = undefined;
      if (message.isCurrent()) this.#take(message);
    }
  }

  async #run(stored: StoredRequest): Promise<void> {
    const request = readRequest(stored.headers, fromBase64(stored.bodyBase64));
    const finished = await this.#store.getFinished(stored.jobId);
    // A record of an earlier request (one this request reruns) is not its end.
    if (
      finished &&
      (finished.requestReceivedAt === stored.receivedAt ||
        (finished.requestReceivedAt === undefined && finished.finishedAt >= stored.receivedAt))
    ) {
      // Finished before a crash, but its inbox entry was not yet removed.
      const queued = await this.#store.listOutgoing();
      if (!queued.some((entry) => entry.jobId === stored.jobId)) {
        await this.#send(stored.jobId, finished.completion, request.command);
      }
      await this.#store.removeRequest(stored.jobId);
      return;
    }
    const maxAttempts = this.#config.daemon.maxAttempts;
    if (stored.attempts >= maxAttempts) {
      log.error(`job ${stored.jobId} was interrupted ${stored.attempts} time(s); not run again`);
      await this.#finishRetrying(
        request,
        stored,
        errorOutcome(
          request.command,
          `the job was interrupted ${stored.attempts} times while running (the daemon ` +
            "crashed); it is not run again: ask an operator to check the " +
            "daemon's log, then send it with a new job id",
        ),
      );
      return;
    }
    await this.#store.putRequest({ ...stored, attempts: stored.attempts + 1 });
    stored.attempts++;
    const job = this.#active.get(stored.jobId);
    if (job) job.stored = stored;
    const outcome = await this.#execute(request);
    if (outcome === undefined) {
      // Stopped by shutdown at a safe point: not a crash, so not an attempt.
      if (!job?.abandoned) {
        stored.attempts--;
        await this.#store.putRequest(stored);
      }
      log.info(`job ${stored.jobId}: stopped for shutdown; it runs again at the next start`);
      return;
    }
    await this.#finishRetrying(request, stored, outcome);
  }

  /**
   * Finish a job whose command has run: a store that cannot be written now
   * (full disk) is tried again, keeping the outcome, so the command does not
   * run again. Given up only at shutdown (then the job runs again at the next
   * start, its attempt given back).
   */
  async #finishRetrying(
    request: JobRequest,
    stored: StoredRequest,
    outcome: JobOutcome,
  ): Promise<void> {
    const steps: FinishSteps = {};
    while (true) {
      try {
        await this.#finish(request, stored.fingerprint, outcome, stored, steps);
        return;
      } catch (error) {
        if (this.#stopping) {
          log.error(
            `job ${request.jobId}: its outcome cannot be recorded (${(error as Error).message}); ` +
              "it runs again at the next start",
          );
          stored.attempts = Math.max(0, stored.attempts - 1);
          await this.#store.putRequest(stored).catch(() => {});
          return;
        }
        log.error(
          `job ${request.jobId}: ${outcome.status}, but its outcome cannot be recorded ` +
            `(${(error as Error).message}); trying again in ${this.#storeRetryMs / 1000} s`,
        );
        await this.#pause(this.#storeRetryMs);
      }
    }
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

  /**
   * Record the outcome, queue the completion, drop the inbox entry (when the
   * request was stored), then let it go out. `steps` carries what an earlier
   * try already did.
   */
  async #finish(
    request: JobRequest,
    print: string,
    outcome: JobOutcome,
    stored?: StoredRequest,
    steps: FinishSteps = {},
  ): Promise<void> {
    const completion = completionMessage(
      this.#config.broker.destinations.jobsCompleted,
      request,
      outcome,
    );
    if (!steps.recorded) {
      try {
        await this.#store.putFinished({
          jobId: request.jobId,
          fingerprint: print,
          finishedAt: Date.now(),
          requestReceivedAt: stored?.receivedAt ?? 0,
          completion,
        });
      } catch (error) {
        if (!isRequestDependent(error)) throw error;
        // Cannot be kept under this job id: the completion still goes out.
        log.warn(`job ${request.jobId}: no finished record kept: ${(error as Error).message}`);
      }
      steps.recorded = true;
    }
    steps.entry ??= await this.#store.addOutgoing(request.jobId, completion, request.command);
    const entry = steps.entry;
    if (stored) await this.#store.removeRequest(request.jobId);
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

  async #send(jobId: string, message: OutgoingMessage, command?: string): Promise<void> {
    this.#outbox.release(await this.#store.addOutgoing(jobId, message, command));
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

  /** Wait `ms`, or less when the runner shuts down. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stop.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.#stop.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#stop.signal.addEventListener("abort", done, { once: true });
    });
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

/** The start of a body as text for the log (secrets redacted), with its size. */
function bodyPreview(body: Uint8Array): string {
  if (body.length === 0) return "empty";
  const text = new TextDecoder("utf-8", { fatal: false })
    .decode(body.subarray(0, BODY_PREVIEW_CHARS * 4))
    .slice(0, BODY_PREVIEW_CHARS);
  const more = body.length > new TextEncoder().encode(text).length ? "…" : "";
  return JSON.stringify(redact(text)) + more;
}
