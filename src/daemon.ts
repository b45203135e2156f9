/**
 * The daemon: wires the message store, broker connection and job runner
 * together and runs until SIGINT/SIGTERM.
 *
 * @module
 */
import type { Config } from "./config/types.ts";

/** Options for {@linkcode runDaemon}. */
export interface DaemonOptions {
  /** Debug logging on the console. */
  verbose: boolean;
}

/**
 * Run the daemon until it is told to stop. Resolves to the process exit code
 * (0 after a clean shutdown).
 */
export function runDaemon(_config: Config, _options: DaemonOptions): Promise<number> {
  // Placeholder until the runner lands; replaced by the real daemon.
  return Promise.resolve(0);
}
