/**
 * A bounded pool for the independent items of one job (import rows, export
 * objects, `DAEMON.JOB_WORKERS`): at most `limit` items are processed at
 * once, and results come out in input order, so whatever is written from
 * them (CSV rows, bag files, completed logs) is the same whatever the pool
 * size.
 *
 * @example
 * ```ts
 * import { orderedPool } from "./pool.ts";
 * for await (const size of orderedPool(["a", "bb"], 4, async (s) => s.length)) {
 *   console.log(size); // 1, then 2
 * }
 * ```
 *
 * @module
 */

/**
 * Run `work` on every item of `items` with at most `limit` calls in flight,
 * yielding the results in the order of `items`. Input is read lazily: an
 * item is taken only when a slot is free, and a result waiting for an
 * earlier one holds its slot, so at most `limit` items are in memory.
 *
 * A rejected call rejects the generator at that item's turn, after the
 * results of every earlier item were yielded; the calls still in flight
 * are awaited (their outcomes dropped) before the error is thrown, as they
 * are when the consumer stops early.
 */
export async function* orderedPool<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): AsyncGenerator<R, void, void> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`the pool size must be a whole number of at least 1, not ${limit}`);
  }
  const source = Symbol.asyncIterator in items
    ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (items as Iterable<T>)[Symbol.iterator]();
  const pending: Promise<R>[] = [];
  let index = 0;
  let exhausted = false;
  const fill = async () => {
    while (!exhausted && pending.length < limit) {
      const next = await source.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      const task = work(next.value, index++);
      task.catch(() => {}); // observed when its turn comes
      pending.push(task);
    }
  };
  try {
    await fill();
    while (pending.length > 0) {
      const result = await pending[0];
      pending.shift();
      await fill();
      yield result;
    }
  } finally {
    await Promise.allSettled(pending);
    if (!exhausted) await source.return?.();
  }
}
