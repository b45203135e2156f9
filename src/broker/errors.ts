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
}
