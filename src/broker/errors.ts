/**
 * Errors of the broker connection.
 *
 * @module
 */

/**
 * A frame could not be sent, or the broker did not confirm it: not connected,
 * connection lost before the RECEIPT, an ERROR frame, or no RECEIPT in time.
 * The caller keeps the message (e.g. in the outbox) and sends it again later.
 */
export class BrokerSendError extends Error {
  override name = "BrokerSendError";
  /**
   * True when the broker answered with an ERROR frame while this frame waited
   * for its RECEIPT (e.g. a message over the broker's size limit), rather
   * than the connection being lost or slow: sending it again may fail again.
   */
  readonly refused: boolean;
  constructor(message: string, options?: ErrorOptions & { refused?: boolean }) {
    super(message, options);
    this.refused = options?.refused ?? false;
  }
}
