/**
 * The registry of built-in commands: the allow-list, and commands whose code
 * loads on their first job.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { commandRegistry, lazyCommand } from "../../src/commands/registry.ts";
import { EXPORT_DEFINITION, IMPORT_DEFINITION } from "../../src/commands/definitions.ts";
import type { Command, CommandContext } from "../../src/commands/types.ts";

const context = {
  jobId: "j",
  args: {},
  body: "b",
  config: { repository: { restEndpoint: "http://127.0.0.1:8080/fcrepo/rest" } },
  signal: AbortSignal.any([]),
} as unknown as CommandContext;

async function drain(command: Command): Promise<unknown[]> {
  const out: unknown[] = [];
  const run = command.run(context);
  for (;;) {
    const step = await run.next();
    out.push(step.value);
    if (step.done) return out;
  }
}

Deno.test("DAEMON.COMMANDS narrows the registry; the lazy commands keep their arguments", () => {
  assertEquals([...commandRegistry().keys()], ["echo", "export", "import"]);
  assertEquals([...commandRegistry(["echo", "import"]).keys()], ["echo", "import"]);
  const registry = commandRegistry();
  assertEquals(registry.get("export")!.args, EXPORT_DEFINITION.args);
  assertEquals(registry.get("import")!.args, IMPORT_DEFINITION.args);
  assertEquals(registry.get("import")!.rerunArg, "resume");
});

Deno.test("a lazy command loads its code at its first run, once, and retries a failed load", async () => {
  let loads = 0;
  let fail = true;
  const real: Command = {
    name: "probe",
    args: {},
    async *run(ctx) {
      yield { step: 1 };
      return { status: "Done", state: "probe_complete", body: { body: ctx.body } };
    },
  };
  const lazy = lazyCommand({ name: "probe", args: {} }, () => {
    loads++;
    if (fail) return Promise.reject(new Error("module not loadable"));
    return Promise.resolve(real);
  });
  assertEquals(loads, 0, "nothing is loaded before a job runs");
  await rejects(drain(lazy), /module not loadable/);
  fail = false;
  assertEquals(await drain(lazy), [{ step: 1 }, {
    status: "Done",
    state: "probe_complete",
    body: { body: "b" },
  }]);
  await drain(lazy);
  assertEquals(loads, 2, "loaded again after the failure, then kept");
});

Deno.test("the registry's export and import load the real commands", async () => {
  const registry = commandRegistry();
  // a bad request is refused by the loaded command's own checks
  for (const name of ["export", "import"]) {
    await rejects(drain(registry.get(name)!), (error: Error) => {
      assertEquals(error.name, "BadRequestError", error.message);
      return true;
    });
  }
});
