/**
 * The start-up check of the repository: one authenticated `HEAD` of the REST
 * endpoint. It never throws; the daemon logs the message and starts anyway.
 *
 * @module
 */
import type { RepositoryConfig } from "../config/types.ts";
import { RepositoryClient } from "./client.ts";

/** The outcome of {@link pingRepository}. */
export interface PingResult {
  /** Whether the repository answered the configured credentials with success. */
  ok: boolean;
  /** What was found, for the log (never contains secrets). */
  message: string;
}

/**
 * Checks that the repository answers at `REST_ENDPOINT` with the configured
 * authentication. Retries nothing and waits at most `timeoutMs`.
 */
export async function pingRepository(
  config: RepositoryConfig,
  timeoutMs = 10_000,
): Promise<PingResult> {
  let client: RepositoryClient | undefined;
  const started = performance.now();
  try {
    client = await RepositoryClient.create(config, {
      maxConnections: 1,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([client.head(config.restEndpoint), timeout]);
    } finally {
      clearTimeout(timer);
    }
    const ms = Math.round(performance.now() - started);
    return { ok: true, message: `repository ${config.restEndpoint} answered in ${ms} ms` };
  } catch (e) {
    return {
      ok: false,
      message: `repository ${config.restEndpoint} is not usable: ${
        (e as Error).message
      }; the daemon runs anyway and jobs that need the repository will fail until it answers`,
    };
  } finally {
    client?.close();
  }
}
