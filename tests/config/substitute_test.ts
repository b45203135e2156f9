import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { substituteEnv } from "../../src/config/substitute.ts";

const env = (values: Record<string, string>) => (name: string) =>
  Object.hasOwn(values, name) ? values[name] : undefined;

Deno.test("substituteEnv replaces every ${NAME} and lists the names", () => {
  assertEquals(substituteEnv("${A}:${B}/${A}", env({ A: "x", B: "" })), {
    ok: true,
    value: "x:/x",
    names: ["A", "B", "A"],
  });
  assertEquals(substituteEnv("no references", env({})), {
    ok: true,
    value: "no references",
    names: [],
  });
});

Deno.test("substituteEnv keeps $${ as a literal ${ and leaves other dollars alone", () => {
  assertEquals(substituteEnv("$${A} ${A} $A ${1X} $", env({ A: "v" })), {
    ok: true,
    value: "${A} v $A ${1X} $",
    names: ["A"],
  });
});

Deno.test("substituteEnv reports the first unset variable", () => {
  assertEquals(substituteEnv("${SET}-${UNSET}-${OTHER}", env({ SET: "1" })), {
    ok: false,
    missing: "UNSET",
    names: ["SET", "UNSET"],
  });
  // A value that is itself a reference is not substituted again.
  assertEquals(substituteEnv("${A}", env({ A: "${B}" })), {
    ok: true,
    value: "${B}",
    names: ["A"],
  });
});
