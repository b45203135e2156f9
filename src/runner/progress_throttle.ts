/**
 * Sends at most one progress report per interval for a job: reports in
 * between are merged (the latest wins), and the latest is always sent before
 * the completion by {@linkcode ProgressThrottle.flush}.
 *
 * @module
 */

/** Sends one progress body. Failures are the sender's to swallow. */
export type ProgressSender = (body: Record<string, unknown>) => void;

/** Throttles one job's progress. */
export class ProgressThrottle {
  #send: ProgressSender;
  #intervalMs: number;
  #lastSent = 0;
  #pending: Record<string, unknown> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started: number;

  /**
   * @param send called with the body (including `time`) to send
   * @param intervalMs least time between two reports (default 500 ms: ~2 per second)
   * @param started job start, Unix milliseconds
   */
  constructor(send: ProgressSender, intervalMs = 500, started = Date.now()) {
    this.#send = send;
    this.#intervalMs = intervalMs;
    this.#started = started;
  }

  /** Report progress; sent now or merged into the next report. */
  report(progress: Record<string, unknown>): void {
    this.#pending = progress;
    const wait = this.#lastSent + this.#intervalMs - Date.now();
    if (wait <= 0) {
      this.#emit();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#emit();
      }, wait);
    }
  }

  /** Send what is pending now and stop the timer. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#emit();
  }

  /** Drop what is pending and stop the timer. */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = undefined;
  }

  #emit(): void {
    const progress = this.#pending;
    if (progress === undefined) return;
    this.#pending = undefined;
    this.#lastSent = Date.now();
    const now = this.#lastSent / 1000;
    const started = this.#started / 1000;
    this.#send({
      time: { started, now, elapsed: Math.round((now - started) * 1000) / 1000 },
      ...progress,
    });
  }
}
