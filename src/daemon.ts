/**
 * The daemon: opens the message store, connects to the broker, runs the job
 * runner, and stops cleanly on SIGINT/SIGTERM.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { createBrokerConnection } from "./broker/stomp_connection.ts";
import type { BrokerConnection } from "./broker/types.ts";
import { commandRegistry } from "./commands/registry.ts";
import { pingRepository } from "./repository/ping.ts";
import type { Config } from "./config/types.ts";
import { StoreError } from "./errors.ts";
import { JobRunner } from "./runner/job_runner.ts";
import { MessageStore } from "./store/message_store.ts";
import { type HttpListener, startHttpListener } from "./ops/http_listener.ts";

const log = getLogger(["plastrond", "daemon"]);

/** Options for {@linkcode runDaemon}. */
export interface DaemonOptions {
  /** Debug logging on the console. */
  verbose: boolean;
  /** Resolves when the daemon should stop (default: SIGINT or SIGTERM). */
  stopSignal?: Promise<string>;
  /** Called once the daemon is subscribed (or trying to be) and serving. */
  onReady?: (daemon: RunningDaemon) => void;
}

/** The parts of a running daemon that an operator's view may read. */
export interface RunningDaemon {
  config: Config;
  broker: BrokerConnection;
  runner: JobRunner;
  store: MessageStore;
}

/** Resolves with the signal's name at the first SIGINT or SIGTERM. */
export function terminationSignal(): Promise<string> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    const handlers = signals.map((signal) => {
      const handler = () => {
        signals.forEach((s, i) => Deno.removeSignalListener(s, handlers[i]));
        resolve(signal);
      };
      Deno.addSignalListener(signal, handler);
      return handler;
    });
  });
}

/**
 * Run the daemon until it is told to stop. Resolves to the process exit code:
 * 0 after a clean shutdown, 1 when the message store cannot be used.
 */
export async function runDaemon(config: Config, options: DaemonOptions): Promise<number> {
  const stopSignal = options.stopSignal ?? terminationSignal();
  const onUnhandled = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    log.error(`unexpected error (the daemon keeps running): ${describe(event.reason)}`);
  };
  // An exception thrown in a callback (a timer, an event listener) would end
  // the process: log it and keep serving.
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    log.error(
      `unexpected exception (the daemon keeps running): ${describe(event.error ?? event.message)}`,
    );
  };
  const removeListeners = () => {
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
    globalThis.removeEventListener("error", onError);
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  globalThis.addEventListener("error", onError);
  let store: MessageStore;
  try {
    store = await MessageStore.open(config.broker.messageStoreDir);
  } catch (error) {
    removeListeners();
    if (error instanceof StoreError) {
      log.fatal(error.message);
      return 1;
    }
    throw error;
  }
  const broker = createBrokerConnection(config.broker);
  const runner = new JobRunner({
    config,
    store,
    broker,
    commands: commandRegistry(config.daemon.commands),
  });
  const startedAt = performance.now();
  broker.onConnect(() => {
    log.info(
      `connected to ${config.broker.server}; subscribed to ${config.broker.destinations.jobs} ` +
        `while a job slot is free (${Math.round(performance.now() - startedAt)} ms after start)`,
    );
  });
  broker.onDisconnect((reason) => log.warn(`lost the broker connection: ${reason}`));
  try {
    await runner.start();
    broker.start();
    log.info(
      `plastrond serving ${config.broker.destinations.jobs} on ${config.broker.server} ` +
        `with up to ${config.daemon.maxConcurrentJobs} concurrent job(s)`,
    );
    pingRepository(config.repository).then((result) => {
      if (result.ok) log.info(result.message);
      else log.warn(result.message);
    });
    const running: RunningDaemon = { config, broker, runner, store };
    let listener: HttpListener | undefined;
    if (config.daemon.http) {
      listener = await startHttpListener(running).catch((error) => {
        log.error(
          `cannot listen on DAEMON.HTTP ${config.daemon.http?.host}:${config.daemon.http?.port}: ` +
            `${(error as Error).message}; the daemon runs without its HTTP listener`,
        );
        return undefined;
      });
    }
    options.onReady?.(running);
    const signal = await stopSignal;
    log.info(`${signal} received: stopping intake, letting running jobs reach a safe point`);
    await runner.shutdown(config.daemon.shutdownGraceSeconds * 1000);
    await broker.stop();
    await listener?.close();
    log.info("stopped cleanly");
    return 0;
  } finally {
    store.close();
    removeListeners();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
