import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import type { ArgSpec } from "../../src/commands/types.ts";
import { BadRequestError } from "../../src/errors.ts";
import { argHeaders, parseArgs } from "../../src/runner/args.ts";

const spec: Record<string, ArgSpec> = {
  "dry-run": { type: "boolean", default: false },
  limit: { type: "integer" },
  "output-dest": { type: "string", required: true },
};

Deno.test("booleans accept true/false/yes/no/1/0/on/off in any case", () => {
  for (const [value, expected] of [["TRUE", true], ["no", false], ["1", true], ["Off", false]]) {
    const { args } = parseArgs("x", spec, { "dry-run": value as string, "output-dest": "/o" });
    assertEquals(args["dry-run"], expected);
  }
  assertThrows(
    () => parseArgs("x", spec, { "dry-run": "maybe", "output-dest": "/o" }),
    BadRequestError,
  );
});

Deno.test("integers must be integers; defaults and required arguments", () => {
  assertEquals(parseArgs("x", spec, { limit: " 12 ", "output-dest": "/o" }).args.limit, 12);
  for (const bad of ["abc", "1.5", "", "1e3"]) {
    assertThrows(() => parseArgs("x", spec, { limit: bad, "output-dest": "/o" }), BadRequestError);
  }
  assertEquals(parseArgs("x", spec, { "output-dest": "/o" }).args["dry-run"], false);
  assertThrows(
    () => parseArgs("x", spec, {}),
    (e) => e instanceof BadRequestError && /output-dest/.test(e.message),
  );
});

Deno.test("unknown arguments are reported, on-behalf-of is common to all", () => {
  const { unknown } = parseArgs("x", spec, {
    "output-dest": "/o",
    colour: "red",
    "on-behalf-of": "jdoe",
  });
  assertEquals(unknown, ["colour"]);
  assertEquals(argHeaders({ "PlastronArg-limit": "3", PlastronJobId: "j" }), { limit: "3" });
});
