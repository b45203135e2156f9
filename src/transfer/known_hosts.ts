/**
 * OpenSSH `known_hosts` files: plain and hashed (`|1|salt|hash`) host
 * patterns, `[host]:port` for other ports than 22, `*`/`?` wildcards,
 * `!` negation and `@revoked` markers.
 *
 * @module
 */
import { createHmac } from "node:crypto";

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  /** Host patterns of the line (comma-separated in the file). */
  patterns: string[];
  /** The key type, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The raw public key blob. */
  key: Uint8Array;
  /** The line carries `@revoked`. */
  revoked: boolean;
}

/** What a known_hosts file says about one host key. */
export type HostKeyVerdict = "match" | "mismatch" | "unknown" | "revoked";

/** Parse the text of a known_hosts file; lines it cannot use are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0].startsWith("@")) {
      const marker = fields.shift();
      if (marker === "@revoked") revoked = true;
      else continue; // @cert-authority: certificates are not used here
    }
    if (fields.length < 3) continue;
    const [hosts, keyType, blob] = fields;
    let key: Uint8Array;
    try {
      key = Uint8Array.from(atob(blob), (c) => c.charCodeAt(0));
    } catch {
      continue;
    }
    entries.push({ patterns: hosts.split(","), keyType, key, revoked });
  }
  return entries;
}

/** The name a host has in known_hosts: `host` on port 22, else `[host]:port`. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Does a line's pattern list name this host? (`!pattern` excludes.) */
export function entryNamesHost(entry: KnownHostEntry, hostName: string): boolean {
  let matched = false;
  for (const pattern of entry.patterns) {
    if (pattern.startsWith("|1|")) {
      if (hashedMatches(pattern, hostName)) matched = true;
      continue;
    }
    const negated = pattern.startsWith("!");
    const glob = negated ? pattern.slice(1) : pattern;
    if (globMatches(glob.toLowerCase(), hostName.toLowerCase())) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** Check a server's key against the entries for `host:port`. */
export function verifyHostKey(
  entries: KnownHostEntry[],
  host: string,
  port: number,
  key: Uint8Array,
): HostKeyVerdict {
  const name = knownHostName(host, port);
  const forHost = entries.filter((e) => entryNamesHost(e, name));
  if (forHost.some((e) => e.revoked && equalBytes(e.key, key))) return "revoked";
  const usable = forHost.filter((e) => !e.revoked);
  if (usable.length === 0) return "unknown";
  return usable.some((e) => equalBytes(e.key, key)) ? "match" : "mismatch";
}

/** SHA256 fingerprint as `ssh-keygen -l` prints it. */
export async function fingerprint(key: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", key as Uint8Array<ArrayBuffer>),
  );
  return `SHA256:${btoa(String.fromCharCode(...digest)).replace(/=+$/, "")}`;
}

function hashedMatches(pattern: string, hostName: string): boolean {
  const [, , salt, hash] = pattern.split("|");
  if (!salt || !hash) return false;
  try {
    const mac = createHmac("sha1", Uint8Array.from(atob(salt), (c) => c.charCodeAt(0)))
      .update(hostName)
      .digest("base64");
    return mac === hash;
  } catch {
    return false;
  }
}

function globMatches(glob: string, text: string): boolean {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll(
    "?",
    ".",
  );
  return new RegExp(`^${source}$`).test(text);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
