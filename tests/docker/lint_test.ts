/**
 * The Dockerfile and docker-compose.yml pass the linters of
 * scripts/lint-docker.sh (dockerfile-utils and dclint from npm): as far as
 * they can be checked on a machine without a Docker engine.
 */
import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

Deno.test("the Dockerfile and docker-compose.yml lint clean", async () => {
  const out = await new Deno.Command("bash", {
    args: ["scripts/lint-docker.sh"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, text);
  assertMatch(text, /lint-docker: clean/);
});
