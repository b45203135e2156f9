/**
 * What the rest of plastrond needs from a broker connection. The runner only
 * sees this interface, so it can be driven by the real STOMP connection or by
 * a test double in unit tests.
 *
 * @module
 */

/** A STOMP frame received from a subscription. */
export interface ReceivedMessage {
  /** Headers as sent, with STOMP header escaping undone. */
  headers: Record<string, string>;
  /** The raw body bytes. */
  body: Uint8Array;
  /** Acknowledge (client-individual). Silently lost if the connection it came on is gone. */
  ack(): void;
  /**
   * True while the connection the message came on is still the current one;
   * an ack after a reconnect is lost, and the message will be redelivered.
   */
  isCurrent(): boolean;
}

/** Options for {@linkcode BrokerConnection.send}. */
export interface SendOptions {
  /** Wait for the broker's RECEIPT; the promise rejects if the connection drops first. */
  receipt?: boolean;
}

/** Receives messages from a subscription. */
export type MessageHandler = (message: ReceivedMessage) => void;

/** One STOMP connection that reconnects by itself. */
export interface BrokerConnection {
  /** Start connecting (with capped exponential backoff until it succeeds). */
  start(): void;
  /** Disconnect cleanly and stop reconnecting. */
  stop(): Promise<void>;
  /** True while a STOMP session is established. */
  readonly connected: boolean;
  /**
   * Called after each (re)connection, before subscriptions are restored, so
   * what a listener sends (e.g. the outbox) goes out before new messages come in.
   */
  onConnect(listener: () => void): void;
  /** Called when the connection is lost. */
  onDisconnect(listener: (reason: string) => void): void;
  /**
   * Subscribe with client-individual ack and a prefetch of one. The
   * subscription is restored after every reconnect until {@linkcode unsubscribe}.
   */
  subscribe(destination: string, handler: MessageHandler): void;
  /**
   * Remove the subscription made by {@linkcode subscribe}. No message is
   * handed to its handler afterwards; messages already handed out can still
   * be acked (the STOMP UNSUBSCRIBE waits until they are).
   */
  unsubscribe(destination: string): void;
  /**
   * Send a frame. With `receipt`, resolves when the broker confirmed it and
   * rejects when the connection is lost first; without, resolves once written.
   * Rejects at once when not connected.
   */
  send(
    destination: string,
    headers: Record<string, string>,
    body: string,
    options?: SendOptions,
  ): Promise<void>;
  /** Number of reconnections since start (for metrics). */
  readonly reconnects: number;
}
