import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  JOB_NAME_SUFFIX_BYTES,
  jobFileName,
  MAX_JOB_NAME_BYTES,
} from "../../src/store/job_file_name.ts";

Deno.test("jobFileName keeps a URI readable and free of slashes", () => {
  const name = jobFileName("http://archelon.example.edu/import_jobs/17");
  assertEquals(name, "http%3A%2F%2Farchelon.example.edu%2Fimport_jobs%2F17");
});

Deno.test("jobFileName never lets '/' collide with '-' or with a literal escape", () => {
  const names = ["a/b", "a-b", "a%2Fb", "a_b", "a.b", "a b", "a%b"].map(jobFileName);
  assertEquals(new Set(names).size, names.length);
});

Deno.test("jobFileName never yields '.', '..' or a hidden name", () => {
  for (const id of [".", "..", ".hidden", "../../etc/passwd"]) {
    const name = jobFileName(id);
    assert(!name.startsWith("."), `${id} → ${name}`);
    assert(!name.includes("/"), `${id} → ${name}`);
  }
});

Deno.test("jobFileName encodes spaces, control characters and non-ASCII", () => {
  assertEquals(jobFileName("job 1\n"), "job%201%0A");
  assertEquals(jobFileName("Jörg/日本"), "J%C3%B6rg%2F%E6%97%A5%E6%9C%AC");
});

Deno.test("jobFileName keeps long ids under 255 bytes and distinct", () => {
  const base = "http://example.edu/jobs/" + "x".repeat(400);
  const a = jobFileName(base + "a");
  const b = jobFileName(base + "b");
  assert(new TextEncoder().encode(a).length <= 255);
  assertNotEquals(a, b);
  assert(a.startsWith("http%3A%2F%2Fexample.edu%2Fjobs%2Fxxx"));
  const multibyte = jobFileName("日".repeat(200));
  assert(multibyte.length <= 255);
  assert(/^(%[0-9A-F]{2})+~[0-9a-f]{64}$/.test(multibyte), multibyte);
});

Deno.test("jobFileName leaves room for a suffix at every length around the cap", () => {
  assertEquals(MAX_JOB_NAME_BYTES + JOB_NAME_SUFFIX_BYTES, 255);
  for (let length = 200; length <= 300; length++) {
    for (const id of ["a".repeat(length), "日".repeat(Math.ceil(length / 9))]) {
      const name = jobFileName(id);
      assert(name.length + ".json".length <= 255, `${id.length} chars → ${name.length} bytes`);
      assert(name.length <= MAX_JOB_NAME_BYTES);
    }
  }
  // Names that fit are kept as they are; one byte more is hashed.
  assertEquals(jobFileName("a".repeat(MAX_JOB_NAME_BYTES)), "a".repeat(MAX_JOB_NAME_BYTES));
  assert(jobFileName("a".repeat(MAX_JOB_NAME_BYTES + 1)).includes("~"));
});

Deno.test("jobFileName refuses an empty id", () => {
  assertThrows(() => jobFileName(""), RangeError);
});
