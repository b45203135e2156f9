import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { orderedPool } from "../../src/runner/pool.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Work that takes `delays[i]` ms and tracks how many calls run at once. */
function tracked(delays: number[]) {
  const state = { active: 0, maxActive: 0, started: [] as number[] };
  const work = async (item: number, index: number) => {
    state.started.push(index);
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    try {
      await sleep(delays[index]);
      return item * 10;
    } finally {
      state.active--;
    }
  };
  return { state, work };
}

async function collect<R>(generator: AsyncGenerator<R, void, void>): Promise<R[]> {
  const out: R[] = [];
  for await (const value of generator) out.push(value);
  return out;
}

Deno.test("results come out in input order although later items finish first", async () => {
  const delays = [40, 5, 30, 1, 20, 2, 10, 0];
  const { work } = tracked(delays);
  const items = delays.map((_, i) => i);
  assertEquals(await collect(orderedPool(items, 4, work)), items.map((i) => i * 10));
});

Deno.test("never more than the limit in flight, and the limit is used", async () => {
  for (const limit of [1, 3, 4]) {
    const delays = Array.from({ length: 12 }, (_, i) => (i * 7) % 13);
    const { state, work } = tracked(delays);
    const out = await collect(orderedPool(delays.map((_, i) => i), limit, work));
    assertEquals(out.length, 12);
    assertEquals(state.maxActive, limit);
    assertEquals(state.active, 0);
  }
});

Deno.test("a pool of 4 overlaps waiting work: 8 × 40 ms take well under 8 × 40 ms", async () => {
  const { work } = tracked(Array(8).fill(40));
  const started = performance.now();
  await collect(orderedPool([0, 1, 2, 3, 4, 5, 6, 7], 4, work));
  const elapsed = performance.now() - started;
  assert(elapsed < 200, `took ${elapsed} ms; a pool of 4 should need about 80 ms`);
});

Deno.test("an async source is read lazily: never more than the limit taken ahead", async () => {
  let pulled = 0;
  async function* source() {
    for (let i = 0; i < 20; i++) {
      pulled++;
      yield i;
    }
  }
  const seenWhenConsumed: number[] = [];
  let consumed = 0;
  for await (const _ of orderedPool(source(), 3, (i) => Promise.resolve(i))) {
    consumed++;
    seenWhenConsumed.push(pulled - consumed);
  }
  assertEquals(consumed, 20);
  assert(Math.max(...seenWhenConsumed) <= 3, `taken ahead: ${seenWhenConsumed}`);
});

Deno.test("a failure surfaces at its turn, after earlier results, with nothing left running", async () => {
  const { state, work } = tracked([5, 5, 5, 30, 30, 30]);
  const out: number[] = [];
  await rejects(
    (async () => {
      for await (
        const value of orderedPool([0, 1, 2, 3, 4, 5], 3, (item, index) => {
          if (index === 2) return Promise.reject(new Error("row 3 failed"));
          return work(item, index);
        })
      ) out.push(value);
    })(),
    /row 3 failed/,
  );
  assertEquals(out, [0, 10]);
  assertEquals(state.active, 0);
});

Deno.test("stopping early waits for the work in flight and closes the source", async () => {
  let closed = false;
  async function* source() {
    try {
      for (let i = 0; i < 100; i++) yield i;
    } finally {
      closed = true;
    }
  }
  const { state, work } = tracked(Array(100).fill(10));
  for await (const value of orderedPool(source(), 4, work)) {
    if (value === 20) break;
  }
  assertEquals(state.active, 0);
  assert(closed);
  assert(state.started.length <= 3 + 4, `started ${state.started.length} of 100`);
});

Deno.test("a pool size that is not a whole number ≥ 1 is refused", async () => {
  for (const limit of [0, -1, 1.5, NaN]) {
    await rejects(collect(orderedPool([1], limit, (x) => Promise.resolve(x))), RangeError);
  }
});
