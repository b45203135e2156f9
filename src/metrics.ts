/**
 * A neutral place where parts of the daemon report what they measured, and
 * where the operator's view (`src/ops/`) listens. It imports nothing, so the
 * repository client and the runner can report without depending on `ops`.
 * With no listener, reporting costs one empty loop.
 *
 * @module
 */

/** One request to the repository, timed from sending to the response headers. */
export interface RepositoryRequestSample {
  method: string;
  /** The HTTP status, or `undefined` when no response came (connection error, abort). */
  status: number | undefined;
  seconds: number;
}

/** One finished job, as the runner recorded it. */
export interface JobFinishedSample {
  command: string;
  /** `Done`, `Failed` or `Error`. */
  status: string;
  /** The completion's JSON body (carries the command's counts). */
  body: Record<string, unknown>;
}

/** The samples one can listen to, by name. */
export interface Samples {
  repositoryRequest: RepositoryRequestSample;
  jobFinished: JobFinishedSample;
}

type Listener<K extends keyof Samples> = (sample: Samples[K]) => void;

const listeners: { [K in keyof Samples]: Set<Listener<K>> } = {
  repositoryRequest: new Set(),
  jobFinished: new Set(),
};

/** Listen to samples of `kind`; returns a function that stops listening. */
export function onSample<K extends keyof Samples>(kind: K, listener: Listener<K>): () => void {
  const set = listeners[kind] as Set<Listener<K>>;
  set.add(listener);
  return () => set.delete(listener);
}

/** Report a sample; a listener that throws is ignored (metrics never break the work). */
export function reportSample<K extends keyof Samples>(kind: K, sample: Samples[K]): void {
  for (const listener of listeners[kind] as Set<Listener<K>>) {
    try {
      listener(sample);
    } catch { /* metrics must not disturb the caller */ }
  }
}

/**
 * Report a repository request that started at `startedAt`
 * (`performance.now()`), with its status when a response came.
 */
export function reportRepositoryRequest(
  method: string,
  startedAt: number,
  status?: number,
): void {
  if (listeners.repositoryRequest.size === 0) return;
  reportSample("repositoryRequest", {
    method,
    status,
    seconds: (performance.now() - startedAt) / 1000,
  });
}
