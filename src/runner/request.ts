/**
 * Reading a job request frame: its headers, its identity, its body.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { argHeaders } from "./args.ts";

/** The parts of a request frame the runner uses. */
export interface JobRequest {
  /** `PlastronJobId`. */
  jobId: string;
  /** `PlastronCommand`, or an empty string when the header is missing. */
  command: string;
  /** `PlastronArg-*` headers without the prefix. */
  rawArgs: Record<string, string>;
  /** `PlastronStatusURL`, echoed on every message about the job. */
  statusUrl?: string;
  /** `PlastronArg-on-behalf-of`. */
  onBehalfOf?: string;
  /** The raw body. */
  body: Uint8Array;
}

/** Read the request headers of a frame. `jobId` is empty when the header is missing. */
export function readRequest(headers: Record<string, string>, body: Uint8Array): JobRequest {
  const rawArgs = argHeaders(headers);
  return {
    jobId: (headers["PlastronJobId"] ?? "").trim(),
    command: (headers["PlastronCommand"] ?? "").trim(),
    rawArgs,
    statusUrl: headers["PlastronStatusURL"] || undefined,
    onBehalfOf: rawArgs["on-behalf-of"] || undefined,
    body,
  };
}

/**
 * A request's identity: its command, arguments and body. Two deliveries of
 * the same request have the same fingerprint whatever the broker added.
 */
export function fingerprint(request: JobRequest): string {
  const hash = createHash("sha256");
  hash.update(request.command).update("\n");
  for (const name of Object.keys(request.rawArgs).sort()) {
    hash.update(`${name}=${request.rawArgs[name]}\n`);
  }
  hash.update("\n").update(request.body);
  return hash.digest("hex");
}
