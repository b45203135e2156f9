import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createHmac } from "node:crypto";
import { parseKnownHosts, verifyHostKey } from "../../src/transfer/known_hosts.ts";

const KEY_A = new Uint8Array([0, 0, 0, 11, 1, 2, 3, 4]);
const KEY_B = new Uint8Array([0, 0, 0, 11, 9, 9, 9, 9]);
const b64 = (k: Uint8Array) => btoa(String.fromCharCode(...k));

Deno.test("plain, bracketed-port, wildcard and hashed known_hosts lines are matched", () => {
  const salt = new Uint8Array(20).fill(7);
  const hashed = createHmac("sha1", salt).update("hashed.example").digest("base64");
  const text = [
    "# comment",
    `example.org,10.0.0.1 ssh-ed25519 ${b64(KEY_A)}`,
    `[127.0.0.1]:22222 ssh-ed25519 ${b64(KEY_A)}`,
    `*.wild.test,!bad.wild.test ssh-ed25519 ${b64(KEY_A)}`,
    `|1|${b64(salt)}|${hashed} ssh-ed25519 ${b64(KEY_A)}`,
    `@revoked revoked.test ssh-ed25519 ${b64(KEY_B)}`,
    `revoked.test ssh-ed25519 ${b64(KEY_A)}`,
  ].join("\n");
  const entries = parseKnownHosts(text);
  assertEquals(verifyHostKey(entries, "example.org", 22, KEY_A), "match");
  assertEquals(verifyHostKey(entries, "example.org", 22, KEY_B), "mismatch");
  assertEquals(verifyHostKey(entries, "example.org", 2222, KEY_A), "unknown");
  assertEquals(verifyHostKey(entries, "127.0.0.1", 22222, KEY_A), "match");
  assertEquals(verifyHostKey(entries, "127.0.0.1", 22, KEY_A), "unknown");
  assertEquals(verifyHostKey(entries, "a.wild.test", 22, KEY_A), "match");
  assertEquals(verifyHostKey(entries, "bad.wild.test", 22, KEY_A), "unknown");
  assertEquals(verifyHostKey(entries, "hashed.example", 22, KEY_A), "match");
  assertEquals(verifyHostKey(entries, "other.example", 22, KEY_A), "unknown");
  assertEquals(verifyHostKey(entries, "revoked.test", 22, KEY_B), "revoked");
  assertEquals(verifyHostKey(entries, "revoked.test", 22, KEY_A), "match");
});
