/**
 * The STOMP connection of plastrond: one {@linkcode BrokerConnection} over
 * `@stomp/stompjs`, reaching the broker by WebSocket (`ws://`, `wss://`),
 * plain TCP (`host:port`) or TLS (`stomp+ssl://`), reconnecting by itself
 * with capped exponential backoff and restoring its subscriptions.
 *
 * Each connection attempt uses a fresh stompjs `Client` (stompjs's own
 * reconnect is off), so a message can tell whether the connection it came on
 * is still the current one: an `ack()` after a reconnect is a no-op, and the
 * broker redelivers the message.
 *
 * @example
 * ```ts
 * import { createBrokerConnection } from "./stomp_connection.ts";
 * import type { BrokerConfig } from "../config/types.ts";
 *
 * declare const config: BrokerConfig;
 * const broker = createBrokerConnection(config);
 * broker.subscribe("/queue/plastron.jobs", (message) => {
 *   console.log(new TextDecoder().decode(message.body));
 *   message.ack();
 * });
 * broker.start();
 * // ...
 * await broker.send("/queue/plastron.jobs.completed", { PlastronJobId: "1" }, "{}", {
 *   receipt: true,
 * });
 * await broker.stop();
 * ```
 *
 * @module
 */

import { Client, type IFrame, type IMessage, type StompHeaders } from "@stomp/stompjs";
import { getLogger, type Logger } from "../log.ts";
import type { BrokerAddress, BrokerConfig } from "../config/types.ts";
import type { BrokerConnection, MessageHandler, ReceivedMessage, SendOptions } from "./types.ts";
import { type TcpSocketTlsOptions, TcpStompSocket } from "./tcp_socket.ts";
import { WebSocketStompSocket } from "./websocket_socket.ts";
import { BrokerSendError } from "./errors.ts";
import { installHeaderUnescapeFix } from "./header_escaping.ts";
import { installFastBodyParsing } from "./fast_body_parser.ts";

export { BrokerSendError } from "./errors.ts";

/** Tuning of {@linkcode createBrokerConnection}; the defaults suit production. */
export interface BrokerConnectionOptions {
  /** First reconnect delay in ms (default 1000); doubles per failed attempt. */
  initialReconnectDelayMs?: number;
  /** Upper bound of the reconnect delay in ms (default 30000). */
  maxReconnectDelayMs?: number;
  /** Give up an attempt that has not reached CONNECTED after this many ms (default 15000). */
  connectTimeoutMs?: number;
  /** Reject a `send(..., {receipt: true})` whose RECEIPT has not come after this many ms (default 30000). */
  receiptTimeoutMs?: number;
  /** Wait this long in ms for the broker's RECEIPT to DISCONNECT in `stop()` (default 5000). */
  disconnectTimeoutMs?: number;
  /**
   * A session must last this many ms to reset the backoff (default 10000), so
   * that a broker that accepts and then drops every connection is not hammered.
   */
  stableSessionMs?: number;
  /** Where to log (default: category `["plastrond", "broker"]`). */
  logger?: Logger;
  /** PEM contents of `CA_CERT`, `CLIENT_CERT`, `CLIENT_KEY` when already read (else read from the config's paths). */
  tls?: TcpSocketTlsOptions;
}

/** Headers every subscription carries: one unacknowledged message at a time. */
export const SUBSCRIPTION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ack: "client-individual",
  "activemq.prefetchSize": "1",
  "prefetch-count": "1",
});

/**
 * Make a {@linkcode BrokerConnection} for the `MESSAGE_BROKER` section.
 * Nothing happens until {@linkcode BrokerConnection.start}.
 */
export function createBrokerConnection(
  config: BrokerConfig,
  options: BrokerConnectionOptions = {},
): BrokerConnection {
  return new StompConnection(config, options);
}

interface Subscription {
  handler: MessageHandler;
  /** STOMP subscription id on the current session, when subscribed there. */
  id?: string;
}

interface PendingReceipt {
  generation: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer?: Timer;
}

/** One attempt: its client and whether it reached CONNECTED. */
interface Attempt {
  generation: number;
  client: Client;
  socket?: TcpStompSocket;
  connected: boolean;
  /** `Date.now()` when CONNECTED arrived. */
  connectedAt?: number;
  connectTimer?: Timer;
  lastError?: string;
  /** Delivered, not yet acknowledged messages per STOMP subscription id. */
  unacked: Map<string, number>;
  /** Subscription ids whose UNSUBSCRIBE waits for their unacked messages. */
  unsubscribeLater: Set<string>;
  /** Subscription ids this session sent UNSUBSCRIBE for. */
  cancelled: Set<string>;
  /** Closed on purpose to give back a message: reconnect at once. */
  handBack?: boolean;
  closed: Promise<void>;
  markClosed: () => void;
}

type Timer = ReturnType<typeof setTimeout>;

const encoder = new TextEncoder();

class StompConnection implements BrokerConnection {
  readonly #config: BrokerConfig;
  readonly #log: Logger;
  readonly #initialDelay: number;
  readonly #maxDelay: number;
  readonly #connectTimeout: number;
  readonly #receiptTimeout: number;
  readonly #disconnectTimeout: number;
  readonly #stableSession: number;
  readonly #tlsOptions?: TcpSocketTlsOptions;

  #started = false;
  #stopping = false;
  #generation = 0;
  #attempt: Attempt | undefined;
  #failures = 0;
  #everConnected = false;
  #reconnects = 0;
  #reconnectTimer: Timer | undefined;
  #receiptCounter = 0;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #pending = new Map<string, PendingReceipt>();
  readonly #connectListeners: Array<() => void> = [];
  readonly #disconnectListeners: Array<(reason: string) => void> = [];

  constructor(config: BrokerConfig, options: BrokerConnectionOptions) {
    installHeaderUnescapeFix();
    installFastBodyParsing();
    this.#config = config;
    this.#log = options.logger ?? getLogger("broker");
    this.#initialDelay = options.initialReconnectDelayMs ?? 1000;
    this.#maxDelay = Math.max(options.maxReconnectDelayMs ?? 30_000, this.#initialDelay);
    this.#connectTimeout = options.connectTimeoutMs ?? 15_000;
    this.#receiptTimeout = options.receiptTimeoutMs ?? 30_000;
    this.#disconnectTimeout = options.disconnectTimeoutMs ?? 5000;
    this.#stableSession = options.stableSessionMs ?? 10_000;
    this.#tlsOptions = options.tls;
  }

  get connected(): boolean {
    return this.#attempt?.connected === true;
  }

  get reconnects(): number {
    return this.#reconnects;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    this.#connect();
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#stopping = true;
    this.#started = false;
    if (this.#reconnectTimer !== undefined) {
      clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = undefined;
    }
    const attempt = this.#attempt;
    if (attempt) {
      let timer: Timer | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.#log.warn(
            "The broker did not confirm DISCONNECT within {ms} ms; closing the socket.",
            {
              ms: this.#disconnectTimeout,
            },
          );
          attempt.client.forceDisconnect();
          resolve();
        }, this.#disconnectTimeout);
      });
      try {
        await Promise.race([attempt.client.deactivate().catch(() => {}), forced]);
        // stompjs creates the socket a moment after activate(); if stop() came
        // first, no socket was made and none will be.
        if (attempt.socket === undefined) attempt.markClosed();
        await Promise.race([attempt.closed, forced]);
      } finally {
        clearTimeout(timer);
      }
    }
    this.#rejectPending(undefined, "the broker connection was stopped");
    this.#log.info("Disconnected from the broker at {server}.", { server: this.#config.server });
  }

  onConnect(listener: () => void): void {
    this.#connectListeners.push(listener);
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.#disconnectListeners.push(listener);
  }

  subscribe(destination: string, handler: MessageHandler): void {
    const existing = this.#subscriptions.get(destination);
    if (existing) {
      existing.handler = handler;
      return;
    }
    const subscription: Subscription = { handler };
    this.#subscriptions.set(destination, subscription);
    const attempt = this.#attempt;
    if (attempt?.connected) this.#subscribeOn(attempt, destination, subscription);
  }

  unsubscribe(destination: string): void {
    const subscription = this.#subscriptions.get(destination);
    if (!subscription) return;
    this.#subscriptions.delete(destination);
    const attempt = this.#attempt;
    const id = subscription.id;
    if (!attempt?.connected || id === undefined) return;
    if ((attempt.unacked.get(id) ?? 0) > 0) {
      // Both brokers lose an ACK sent after UNSUBSCRIBE (RabbitMQ even answers
      // with ERROR and closes): unsubscribe once the delivered messages are acked.
      attempt.unsubscribeLater.add(id);
      return;
    }
    this.#sendUnsubscribe(attempt, id, destination);
  }

  #sendUnsubscribe(attempt: Attempt, id: string, destination: string): void {
    attempt.cancelled.add(id);
    try {
      attempt.client.unsubscribe(id);
    } catch (error) {
      this.#log.warn("Could not unsubscribe from {destination}: {error}", {
        destination,
        error: describe(error),
      });
    }
  }

  send(
    destination: string,
    headers: Record<string, string>,
    body: string,
    options: SendOptions = {},
  ): Promise<void> {
    const attempt = this.#attempt;
    if (!attempt?.connected) {
      return Promise.reject(
        new BrokerSendError(
          `Cannot send to ${destination}: not connected to the broker at ${this.#config.server} (it will be retried after reconnecting).`,
        ),
      );
    }
    const frameHeaders: StompHeaders = { ...headers };
    if (!Object.keys(frameHeaders).some((name) => name.toLowerCase() === "content-type")) {
      frameHeaders["content-type"] = "text/plain;charset=utf-8";
    }
    // Over WebSocket the frame goes as a text frame (ActiveMQ Classic ignores
    // binary WebSocket frames); stompjs adds the UTF-8 byte count as
    // content-length. Over TCP the bytes are encoded once, here.
    const payload = this.#config.address.transport === "ws"
      ? { body }
      : { binaryBody: encoder.encode(body) };
    if (!options.receipt) {
      try {
        attempt.client.publish({ destination, headers: frameHeaders, ...payload });
      } catch (error) {
        return Promise.reject(
          new BrokerSendError(`Cannot send to ${destination}: ${describe(error)}`, {
            cause: error,
          }),
        );
      }
      return attempt.socket?.drain() ?? Promise.resolve();
    }
    const receiptId = `send-${attempt.generation}-${++this.#receiptCounter}`;
    frameHeaders.receipt = receiptId;
    return new Promise<void>((resolve, reject) => {
      const pending: PendingReceipt = { generation: attempt.generation, resolve, reject };
      this.#pending.set(receiptId, pending);
      if (this.#receiptTimeout > 0) {
        pending.timer = setTimeout(() => {
          this.#settle(
            receiptId,
            new BrokerSendError(
              `The broker did not confirm a message to ${destination} within ${this.#receiptTimeout} ms; it may or may not have been delivered.`,
            ),
          );
        }, this.#receiptTimeout);
      }
      try {
        attempt.client.watchForReceipt(receiptId, () => this.#settle(receiptId));
        attempt.client.publish({ destination, headers: frameHeaders, ...payload });
      } catch (error) {
        this.#settle(
          receiptId,
          new BrokerSendError(`Cannot send to ${destination}: ${describe(error)}`, {
            cause: error,
          }),
        );
      }
    });
  }

  /** Open a new attempt with a fresh client. */
  #connect(): void {
    this.#reconnectTimer = undefined;
    if (this.#stopping) return;
    const generation = ++this.#generation;
    let markClosed = () => {};
    const closed = new Promise<void>((resolve) => markClosed = resolve);
    const attempt = {
      generation,
      connected: false,
      unacked: new Map(),
      unsubscribeLater: new Set(),
      cancelled: new Set(),
      closed,
      markClosed,
    } as Attempt;
    const config = this.#config;
    attempt.client = new Client({
      connectHeaders: this.#connectHeaders(),
      heartbeatOutgoing: config.heartbeat.send,
      heartbeatIncoming: config.heartbeat.receive,
      reconnectDelay: 0,
      discardWebsocketOnCommFailure: true,
      webSocketFactory: () => {
        const socket = this.#createSocket(config.address);
        attempt.socket = socket;
        return socket;
      },
      onConnect: () => this.#onConnected(attempt),
      onStompError: (frame) => this.#onStompError(attempt, frame),
      onWebSocketError: (event: unknown) => {
        attempt.lastError = describeEvent(event) ?? attempt.lastError;
      },
      onWebSocketClose: (event: unknown) => this.#onClosed(attempt, event),
      onHeartbeatLost: () => {
        attempt.lastError = "no heart-beat from the broker";
      },
      onUnhandledMessage: (message) => this.#onLateMessage(attempt, message),
    });
    this.#attempt = attempt;
    attempt.connectTimer = setTimeout(() => {
      attempt.connectTimer = undefined;
      if (attempt.connected) return;
      attempt.lastError = `no CONNECTED frame within ${this.#connectTimeout} ms`;
      attempt.client.forceDisconnect();
    }, this.#connectTimeout);
    this.#log.info("Connecting to the broker at {server} (attempt {attemptNumber}).", {
      server: config.server,
      attemptNumber: this.#failures + 1,
    });
    try {
      attempt.client.activate();
    } catch (error) {
      attempt.lastError = describe(error);
      this.#onClosed(attempt, undefined);
    }
  }

  #connectHeaders(): StompHeaders {
    const headers: StompHeaders = {};
    if (this.#config.login !== undefined) headers.login = this.#config.login;
    if (this.#config.passcode !== undefined) headers.passcode = this.#config.passcode;
    return headers;
  }

  #createSocket(address: BrokerAddress): TcpStompSocket {
    const tls = () => this.#tls();
    try {
      switch (address.transport) {
        case "tcp":
          return new TcpStompSocket({ host: address.host, port: address.port });
        case "tls":
          return new TcpStompSocket({ host: address.host, port: address.port, tls });
        case "ws":
          return new WebSocketStompSocket(address.url, {
            protocols: ["v12.stomp", "v11.stomp", "v10.stomp"],
            tls: address.url.toLowerCase().startsWith("wss:") ? tls : undefined,
          });
      }
    } catch (error) {
      // stompjs calls this factory inside a promise nobody awaits: never throw
      // from here; give it a socket that fails with the reason instead.
      return new TcpStompSocket({
        host: "127.0.0.1",
        port: 1,
        tls: () => {
          throw error;
        },
      }, this.#config.server);
    }
  }

  /** TLS settings, with certificate files read at each attempt (they may be renewed). */
  #tls(): TcpSocketTlsOptions {
    if (this.#tlsOptions) return this.#tlsOptions;
    const c = this.#config;
    const tls: TcpSocketTlsOptions = {};
    if (c.caCert) tls.caCerts = [readPem(c.caCert, "CA_CERT")];
    if (c.clientCert) tls.cert = readPem(c.clientCert, "CLIENT_CERT");
    if (c.clientKey) tls.key = readPem(c.clientKey, "CLIENT_KEY");
    return tls;
  }

  #onConnected(attempt: Attempt): void {
    if (attempt !== this.#attempt) return;
    clearTimeout(attempt.connectTimer);
    attempt.connectTimer = undefined;
    attempt.connected = true;
    attempt.connectedAt = Date.now();
    if (this.#everConnected) this.#reconnects++;
    this.#everConnected = true;
    this.#log.info("Connected to the broker at {server}.", { server: this.#config.server });
    // Listeners first (they re-send what waits, e.g. the outbox), then the
    // subscriptions, so what is owed goes out before new work comes in.
    for (const listener of this.#connectListeners) {
      try {
        listener();
      } catch (error) {
        this.#log.error("An onConnect listener failed: {error}", { error: describe(error) });
      }
    }
    if (attempt !== this.#attempt || !attempt.connected) return;
    for (const [destination, subscription] of this.#subscriptions) {
      if (subscription.id === undefined) this.#subscribeOn(attempt, destination, subscription);
    }
  }

  /**
   * A MESSAGE for a subscription that is no longer active. One sent for a
   * subscription this session has just cancelled crossed the UNSUBSCRIBE on
   * the wire: it can be neither acked nor nacked any more (RabbitMQ answers
   * with ERROR), and RabbitMQ keeps it for this session until the session
   * ends. End the session, so the broker gives it to another consumer; the
   * connection comes back by itself.
   */
  #onLateMessage(attempt: Attempt, message: IMessage): void {
    const subscription = message.headers.subscription;
    if (attempt !== this.#attempt || !attempt.cancelled.has(subscription)) {
      this.#log.warn("Ignoring a message for an unknown subscription {subscription}.", {
        subscription,
      });
      return;
    }
    this.#log.info(
      "A message for {destination} arrived after its UNSUBSCRIBE; reconnecting so the broker " +
        "hands it to another consumer.",
      { destination: message.headers.destination },
    );
    attempt.lastError = "reconnecting to give back a message that crossed an UNSUBSCRIBE";
    attempt.handBack = true;
    attempt.client.forceDisconnect();
  }

  #subscribeOn(attempt: Attempt, destination: string, subscription: Subscription): void {
    try {
      const stompSubscription = attempt.client.subscribe(
        destination,
        (message) => this.#deliver(attempt, destination, subscription, message),
        { ...SUBSCRIPTION_HEADERS },
      );
      subscription.id = stompSubscription.id;
      this.#log.debug("Subscribed to {destination}.", { destination });
    } catch (error) {
      this.#log.error("Could not subscribe to {destination}: {error}", {
        destination,
        error: describe(error),
      });
    }
  }

  #deliver(
    attempt: Attempt,
    destination: string,
    subscription: Subscription,
    message: IMessage,
  ): void {
    // Unsubscribed meanwhile: not acked, so the broker gives it out again.
    if (this.#subscriptions.get(destination) !== subscription) return;
    const id = message.headers.subscription;
    attempt.unacked.set(id, (attempt.unacked.get(id) ?? 0) + 1);
    const isCurrent = () => attempt === this.#attempt && attempt.connected;
    let acked = false;
    const received: ReceivedMessage = {
      headers: { ...message.headers },
      body: message.binaryBody,
      ack: () => {
        if (acked || !isCurrent()) return;
        acked = true;
        try {
          message.ack();
        } catch (error) {
          this.#log.debug("Ack lost: {error}", { error: describe(error) });
        }
        const left = (attempt.unacked.get(id) ?? 1) - 1;
        attempt.unacked.set(id, left);
        if (left === 0 && attempt.unsubscribeLater.delete(id)) {
          this.#sendUnsubscribe(attempt, id, destination);
        }
      },
      isCurrent,
    };
    try {
      subscription.handler(received);
    } catch (error) {
      this.#log.error("The handler for {destination} failed: {error}", {
        destination,
        error: describe(error),
      });
    }
  }

  #onStompError(attempt: Attempt, frame: IFrame): void {
    const message = frame.headers.message ?? "no message";
    const detail = frame.body ? `: ${frame.body.trim()}` : "";
    attempt.lastError = `the broker sent ERROR ${message}${detail}`;
    const hint = attempt.connected ? "" : " (check MESSAGE_BROKER.LOGIN and PASSCODE)";
    this.#log.error("The broker at {server} sent an ERROR frame: {message}{hint}", {
      server: this.#config.server,
      message: `${message}${detail}`,
      hint,
    });
    const receiptId = frame.headers["receipt-id"];
    if (receiptId !== undefined && this.#pending.has(receiptId)) {
      this.#settle(
        receiptId,
        new BrokerSendError(`The broker refused a message: ${message}`, { refused: true }),
      );
    }
    this.#rejectPending(attempt.generation, `the broker sent ERROR ${message}`, true);
    // The broker closes the connection after ERROR; make sure of it.
    attempt.client.forceDisconnect();
  }

  #onClosed(attempt: Attempt, event: unknown): void {
    clearTimeout(attempt.connectTimer);
    attempt.connectTimer = undefined;
    const wasConnected = attempt.connected;
    attempt.connected = false;
    for (const subscription of this.#subscriptions.values()) {
      if (attempt === this.#attempt) subscription.id = undefined;
    }
    let reason = attempt.lastError ?? describeEvent(event) ?? "connection closed";
    if (/utf-?8/i.test(reason) && this.#config.address.transport === "ws") {
      reason += " (the broker sent a message body that is not UTF-8 in a WebSocket text frame; " +
        "on RabbitMQ set web_stomp.ws_frame = binary, or use STOMP over TCP)";
    }
    if (/certificate|UnknownIssuer|tls/i.test(reason) && !/CA_CERT/.test(reason)) {
      reason += " (check MESSAGE_BROKER.CA_CERT, CLIENT_CERT and CLIENT_KEY)";
    }
    if (wasConnected && Date.now() - (attempt.connectedAt ?? 0) >= this.#stableSession) {
      this.#failures = 0;
    }
    attempt.markClosed();
    if (attempt !== this.#attempt) return;
    this.#rejectPending(
      attempt.generation,
      `the connection to the broker was lost before its RECEIPT (${reason}); it may or may not have been delivered`,
    );
    if (this.#stopping) return;
    if (wasConnected) {
      this.#log.warn("Lost the connection to the broker at {server}: {reason}", {
        server: this.#config.server,
        reason,
      });
      for (const listener of this.#disconnectListeners) {
        try {
          listener(reason);
        } catch (error) {
          this.#log.error("An onDisconnect listener failed: {error}", { error: describe(error) });
        }
      }
    }
    if (attempt.handBack) {
      this.#reconnectTimer = setTimeout(() => this.#connect(), 0);
      return;
    }
    const delay = this.#nextDelay();
    this.#log.warn(
      "Broker at {server} unavailable ({reason}); next attempt ({attemptNumber}) in {seconds} s.",
      {
        server: this.#config.server,
        reason,
        seconds: (delay / 1000).toFixed(1),
        attemptNumber: this.#failures + 1,
      },
    );
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  /** Capped exponential backoff with jitter: half fixed, half random. */
  #nextDelay(): number {
    const base = Math.min(this.#maxDelay, this.#initialDelay * 2 ** this.#failures);
    this.#failures++;
    return Math.round(base / 2 + Math.random() * base / 2);
  }

  #settle(receiptId: string, error?: Error): void {
    const pending = this.#pending.get(receiptId);
    if (!pending) return;
    this.#pending.delete(receiptId);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  #rejectPending(generation: number | undefined, why: string, refused = false): void {
    for (const [receiptId, pending] of this.#pending) {
      if (generation === undefined || pending.generation === generation) {
        this.#settle(receiptId, new BrokerSendError(`Message not confirmed: ${why}.`, { refused }));
      }
    }
  }
}

function readPem(path: string, key: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    throw new Error(`cannot read MESSAGE_BROKER.${key} file ${path}: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeEvent(event: unknown): string | undefined {
  if (event === null || typeof event !== "object") return undefined;
  const e = event as { message?: unknown; reason?: unknown; code?: unknown; error?: unknown };
  if (typeof e.message === "string" && e.message) return e.message;
  if (e.error instanceof Error) return e.error.message;
  if (typeof e.reason === "string" && e.reason) return e.reason;
  if (typeof e.code === "number") return `closed with code ${e.code}`;
  return undefined;
}
