import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { clearSecrets, redact, redactValue, registerSecret } from "../src/redact.ts";

Deno.test("URI passwords are redacted, also with '/', '?', '#' or ':' in them", () => {
  const cases: [string, string][] = [
    [
      "sftp://ann:hunter2@sftp.example.edu:22/exports",
      "sftp://ann:***@sftp.example.edu:22/exports",
    ],
    ["sftp://ann:pa/ss@host/dir", "sftp://ann:***@host/dir"],
    ["zip+sftp://ann:p?w@host/a.zip", "zip+sftp://ann:***@host/a.zip"],
    ["sftp://ann:p#w@host/dir", "sftp://ann:***@host/dir"],
    ["sftp://ann:a:b/c?d#e@host", "sftp://ann:***@host"],
    [
      "at sftp://ann:pw@h1/x and sftp://bob:q/w@h2/y.",
      "at sftp://ann:***@h1/x and sftp://bob:***@h2/y.",
    ],
  ];
  for (const [text, expected] of cases) assertEquals(redact(text), expected, text);
});

Deno.test("URIs without a password, and other text, are left as they are", () => {
  for (
    const text of [
      "http://127.0.0.1:8080/fcrepo/rest/a/b",
      "sftp://ann@host/dir",
      "mail ann@example.edu about http://x/jobs/1",
      "ratio 1:2 at noon",
    ]
  ) {
    assertEquals(redact(text), text);
  }
});

Deno.test("registered secrets are replaced in nested values", () => {
  registerSecret("s3cr/et?#");
  try {
    const out = redactValue({ a: ["x s3cr/et?# y"], e: new Error("no s3cr%2Fet%3F%23 here") }) as {
      a: string[];
      e: Error;
    };
    assertEquals(out.a, ["x *** y"]);
    assert(!out.e.message.includes("s3cr"), out.e.message);
  } finally {
    clearSecrets();
  }
});
