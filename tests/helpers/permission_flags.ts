/**
 * The flags `plastrond permissions -c <config>` prints, run as a process
 * holding only what that subcommand needs (it reads the file and the
 * variables it names).
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = join(fileURLToPath(new URL("../../", import.meta.url)), "main.ts");

/** The printed `--allow-*` flags for `configPath`, one per element; fails the test on exit ≠ 0. */
export async function printedPermissionFlags(configPath: string): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-env",
      MAIN,
      "permissions",
      "-c",
      configPath,
    ],
    stdin: "null",
  }).output();
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout).trimEnd().split("\n");
}
