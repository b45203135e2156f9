/**
 * Shape checks for the JSON files of the message store. A file that parses
 * but is not what the store wrote (`null`, a truncated object, a hand edit)
 * is refused by these checks and moved aside instead of crashing the daemon
 * or being dropped silently.
 *
 * @module
 */

type Json = Record<string, unknown>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringMap(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === "string");
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/** What is wrong with an outgoing message, or undefined when it is well formed. */
function messageProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "the message is not an object";
  if (!isNonEmptyString(value.destination)) return "the message has no destination";
  if (!isStringMap(value.headers)) return "the message headers are not strings";
  if (typeof value.body !== "string") return "the message body is not a string";
  return undefined;
}

/** What is wrong with an inbox file's content, or undefined when it is a `StoredRequest`. */
export function requestProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "not a JSON object";
  if (!isNonEmptyString(value.jobId)) return "no jobId";
  if (!isStringMap(value.headers)) return "headers are not strings";
  if (typeof value.bodyBase64 !== "string" || value.bodyBase64.length % 4 !== 0) {
    return "bodyBase64 is not base64";
  }
  if (!BASE64.test(value.bodyBase64)) return "bodyBase64 is not base64";
  if (typeof value.fingerprint !== "string") return "no fingerprint";
  if (typeof value.receivedAt !== "number" || !Number.isFinite(value.receivedAt)) {
    return "receivedAt is not a number";
  }
  if (!Number.isSafeInteger(value.attempts) || (value.attempts as number) < 0) {
    return "attempts is not a whole number";
  }
  return undefined;
}

/** What is wrong with a `finished/` file's content, or undefined when it is a `FinishedRecord`. */
export function finishedProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "not a JSON object";
  if (!isNonEmptyString(value.jobId)) return "no jobId";
  if (typeof value.fingerprint !== "string") return "no fingerprint";
  if (typeof value.finishedAt !== "number") return "finishedAt is not a number";
  if (value.requestReceivedAt !== undefined && typeof value.requestReceivedAt !== "number") {
    return "requestReceivedAt is not a number";
  }
  const problem = messageProblem(value.completion);
  return problem ? `completion: ${problem}` : undefined;
}

/** What is wrong with an outbox file's content, or undefined when it is an `OutboxEntry`. */
export function outboxProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "not a JSON object";
  if (typeof value.jobId !== "string") return "no jobId";
  return messageProblem(value.message);
}
