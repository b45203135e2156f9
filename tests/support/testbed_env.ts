/**
 * Read the test bed's environment (`PLASTROND_TEST_*`, exported by
 * `scripts/testbed.sh` and written to `.testbed/env`). A missing variable
 * fails the test with a message saying how to start the service; tests never
 * skip silently.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ENV_FILE = join(fileURLToPath(new URL("../../", import.meta.url)), ".testbed", "env");

let fileValues: Record<string, string> | undefined;

function fromEnvFile(name: string): string | undefined {
  if (fileValues === undefined) {
    fileValues = {};
    try {
      for (const line of Deno.readTextFileSync(ENV_FILE).split("\n")) {
        const m = /^\s*(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line);
        if (m) fileValues[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2");
      }
    } catch {
      // no env file: only the process environment counts
    }
  }
  return fileValues[name];
}

/** The value of a test bed variable, from the environment or `.testbed/env`. */
export function testbedEnv(name: string): string {
  const value = Deno.env.get(name) ?? fromEnvFile(name);
  if (value === undefined || value === "") {
    throw new Error(
      `${name} is not set: start the test bed with "bash scripts/testbed.sh up" ` +
        `and run the tests with its environment (source .testbed/env)`,
    );
  }
  return value;
}

/**
 * The value of a test bed variable that only some test beds have (e.g.
 * ActiveMQ's WebSocket transport), or `undefined`.
 */
export function optionalTestbedEnv(name: string): string | undefined {
  const value = Deno.env.get(name) ?? fromEnvFile(name);
  return value === "" ? undefined : value;
}

/** `host:port` split. */
export function hostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(":");
  return { host: value.slice(0, i), port: Number(value.slice(i + 1)) };
}
