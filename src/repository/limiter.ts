/**
 * A counting semaphore bounding how many requests are in flight at once
 * (the connection pool's size).
 *
 * @module
 */

/** Bounds concurrent work to `size` slots. */
export class Limiter {
  #free: number;
  #waiting: Array<() => void> = [];

  /** @param size how many slots there are (at least 1) */
  constructor(size: number) {
    this.#free = Math.max(1, Math.floor(size));
  }

  /** Waits for a slot; returns the function that frees it (safe to call twice). */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) {
      this.#free--;
    } else {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
