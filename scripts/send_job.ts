/**
 * Send one job to a running plastrond and wait for its outcome, over the
 * broker of a plastrond configuration (`deno task send-job`): what an admin
 * web app does, for trying the daemon out and for an operator's end-to-end
 * check.
 *
 * ```
 * deno task send-job [-c config.yml] <command> [name=value ...] [--body TEXT | --body-file FILE]
 *                    [--job-id ID] [--timeout SECONDS]
 * deno task send-job echo echo-delay=1 --body hello
 * deno task send-job export output-dest=trial.zip export-binaries=true --body-file uris.txt
 * ```
 *
 * `name=value` pairs become `PlastronArg-<name>` headers. Progress messages
 * are printed as they come (one JSON line each), then the completion's
 * headers and body. Completions of other jobs that arrive on the completion
 * queue meanwhile are put back on it. Exit code: 0 for `Done`, 1 for
 * `Failed`/`Error` or no answer in time, 2 on bad usage.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createBrokerConnection } from "../src/broker/stomp_connection.ts";
import type { ReceivedMessage } from "../src/broker/types.ts";
import { loadConfig } from "../src/config/load.ts";
import { ConfigError } from "../src/errors.ts";

const USAGE = `usage: deno task send-job [-c config.yml] <command> [name=value ...]
                          [--body TEXT | --body-file FILE] [--job-id ID] [--timeout SECONDS]`;

function fail(message: string, code = 2): never {
  console.error(`send-job: ${message}`);
  if (code === 2) console.error(USAGE);
  Deno.exit(code);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      args: Deno.args,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c", default: "config.example.yml" },
        body: { type: "string" },
        "body-file": { type: "string" },
        "job-id": { type: "string" },
        timeout: { type: "string", default: "600" },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const [command, ...pairs] = positionals;
if (!command) fail("name the command to run, e.g. echo");
if (values.body !== undefined && values["body-file"] !== undefined) {
  fail("give --body or --body-file, not both");
}
const timeoutSeconds = Number(values.timeout);
if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
  fail(`--timeout must be a number of seconds, not ${values.timeout}`);
}
const headers: Record<string, string> = { PlastronCommand: command, persistent: "true" };
for (const pair of pairs) {
  const i = pair.indexOf("=");
  if (i <= 0) fail(`arguments are name=value pairs, not ${JSON.stringify(pair)}`);
  headers[`PlastronArg-${pair.slice(0, i)}`] = pair.slice(i + 1);
}
const jobId = values["job-id"] ?? `urn:plastrond:send-job:${crypto.randomUUID()}`;
headers.PlastronJobId = jobId;
const body = values["body-file"] !== undefined
  ? await Deno.readTextFile(values["body-file"]).catch((e) => fail(`--body-file: ${e.message}`))
  : values.body ?? "";

let config;
try {
  config = await loadConfig(values.config);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message, 1);
  throw error;
}
const { destinations } = config.broker;
const broker = createBrokerConnection(config.broker);
const decoder = new TextDecoder();
let outcome: ReceivedMessage | undefined;
const putBack: ReceivedMessage[] = [];

broker.subscribe(destinations.jobsCompleted, (message) => {
  message.ack();
  if (message.headers.PlastronJobId !== jobId) putBack.push(message);
  else if (message.headers.PlastronJobStatus) outcome ??= message;
  else console.log(decoder.decode(message.body)); // progress, where both share a destination
});
if (destinations.jobProgress !== destinations.jobsCompleted) {
  broker.subscribe(destinations.jobProgress, (message) => {
    message.ack();
    if (message.headers.PlastronJobId === jobId) console.log(decoder.decode(message.body));
  });
}
/** The headers of a message of another job, without those the broker set on delivery. */
function ownHeaders(message: ReceivedMessage): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (/^(Plastron|persistent$|content-type$)/.test(name)) kept[name] = value;
  }
  return kept;
}
const connected = new Promise<void>((resolve) => broker.onConnect(resolve));
broker.start();
const connectTimer = setTimeout(
  () => fail(`cannot reach the broker at ${config.broker.server} (see MESSAGE_BROKER.SERVER)`, 1),
  20_000,
);
await connected;
clearTimeout(connectTimer);
console.error(
  `send-job: ${command} job ${jobId} → ${destinations.jobs} on ${config.broker.server}`,
);
await broker.send(destinations.jobs, headers, body, { receipt: true });

/** Put other jobs' messages back where they came from. */
async function returnOthers(): Promise<void> {
  // only those taken so far: a message put back may come straight back to us
  for (const other of putBack.splice(0)) {
    await broker.send(destinations.jobsCompleted, ownHeaders(other), decoder.decode(other.body), {
      receipt: true,
    });
  }
}
const deadline = Date.now() + timeoutSeconds * 1000;
while (!outcome && Date.now() < deadline) {
  await returnOthers();
  await new Promise((resolve) => setTimeout(resolve, 50));
}
broker.unsubscribe(destinations.jobsCompleted);
await returnOthers();
await broker.stop();
if (!outcome) {
  fail(`no completion for ${jobId} within ${timeoutSeconds} s; is plastrond running?`, 1);
}
for (const [name, value] of Object.entries(outcome.headers)) {
  if (name.startsWith("Plastron")) console.error(`${name}: ${value}`);
}
console.log(decoder.decode(outcome.body));
Deno.exit(outcome.headers.PlastronJobStatus === "Done" ? 0 : 1);
