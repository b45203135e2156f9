/**
 * Keeps the export's memory flat while gigabytes stream through it.
 *
 * Every chunk of a download or of a file read is a fresh `ArrayBuffer`
 * outside V8's heap; V8 only collects them once about 64 MB of such
 * garbage has piled up, which alone would put a 2 GiB export at ~150 MB RSS.
 * A {@linkcode MemoryPacer} asks for a garbage collection after every
 * `everyBytes` streamed (a few milliseconds each with the export's small
 * heap), so the peak stays near the daemon's resting size.
 *
 * The collector is reached through `node:v8`'s `setFlagsFromString` and
 * `node:vm`; where that is not possible the pacer does nothing.
 *
 * @module
 */
import v8 from "node:v8";
import vm from "node:vm";

let collector: (() => void) | null | undefined;

function findCollector(): (() => void) | null {
  if (collector !== undefined) return collector;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    collector = typeof gc === "function" ? () => gc() : null;
  } catch {
    collector = null;
  }
  return collector;
}

/** Counts streamed bytes and collects garbage every `everyBytes`. */
export class MemoryPacer {
  readonly #every: number;
  #sinceLast = 0;

  /** @param everyBytes bytes between collections (default 32 MiB). */
  constructor(everyBytes = 32 * 1024 * 1024) {
    this.#every = everyBytes;
  }

  /** Note `bytes` more streamed; collects when the threshold is passed. */
  add(bytes: number): void {
    this.#sinceLast += bytes;
    if (this.#sinceLast < this.#every) return;
    this.#sinceLast = 0;
    findCollector()?.();
  }

  /** A pass-through stream that counts what flows through it. */
  counter(): TransformStream<Uint8Array, Uint8Array> {
    return new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        controller.enqueue(chunk);
        this.add(chunk.byteLength);
      },
    });
  }
}
