/**
 * `/healthz`: the daemon is healthy while its broker session is up and the
 * repository answers. The broker state is read live; the repository is
 * pinged at most once per {@linkcode HealthOptions.repositoryCacheMs}, so a
 * busy health checker cannot load the repository.
 *
 * @module
 */
import type { RunningDaemon } from "../daemon.ts";
import { pingRepository, type PingResult } from "../repository/ping.ts";

/** Options for {@linkcode HealthCheck}. */
export interface HealthOptions {
  /** How long a repository answer is reused (default 5000 ms). */
  repositoryCacheMs?: number;
  /** How long one repository ping may take (default 3000 ms). */
  repositoryTimeoutMs?: number;
}

/** The `/healthz` answer. */
export interface Health {
  healthy: boolean;
  broker: { connected: boolean; server: string; reconnects: number };
  repository: { ok: boolean; message: string; checkedAt: string };
}

/** Answers health questions about one daemon. */
export class HealthCheck {
  readonly #daemon: RunningDaemon;
  readonly #cacheMs: number;
  readonly #timeoutMs: number;
  #last?: { result: PingResult; at: number };
  #pending?: Promise<{ result: PingResult; at: number }>;

  constructor(daemon: RunningDaemon, options: HealthOptions = {}) {
    this.#daemon = daemon;
    this.#cacheMs = options.repositoryCacheMs ?? 5000;
    this.#timeoutMs = options.repositoryTimeoutMs ?? 3000;
  }

  /** The daemon's health now. */
  async check(): Promise<Health> {
    const { broker, config } = this.#daemon;
    const repository = await this.#repository();
    const connected = broker.connected;
    return {
      healthy: connected && repository.result.ok,
      broker: { connected, server: config.broker.server, reconnects: broker.reconnects },
      repository: {
        ok: repository.result.ok,
        message: repository.result.message,
        checkedAt: new Date(repository.at).toISOString(),
      },
    };
  }

  #repository(): Promise<{ result: PingResult; at: number }> {
    if (this.#last && Date.now() - this.#last.at < this.#cacheMs) {
      return Promise.resolve(this.#last);
    }
    this.#pending ??= pingRepository(this.#daemon.config.repository, this.#timeoutMs)
      .then((result) => {
        this.#last = { result, at: Date.now() };
        return this.#last;
      })
      .finally(() => this.#pending = undefined);
    return this.#pending;
  }
}
