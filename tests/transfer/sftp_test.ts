import { deepStrictEqual as assertEquals, ok as assert, rejects, throws } from "node:assert/strict";
import { join } from "node:path";
import SftpClient from "ssh2-sftp-client";
import { BadRequestError } from "../../src/errors.ts";
import { openSftpDestination, parseSftpUri, redactSftpUri } from "../../src/transfer/sftp.ts";
import { hostPort, testbedEnv } from "../support/testbed_env.ts";

interface ReadClient {
  connect(c: Record<string, unknown>): Promise<unknown>;
  get(path: string): Promise<Uint8Array>;
  list(path: string): Promise<{ name: string }[]>;
  end(): Promise<unknown>;
}

function server() {
  const { host, port } = hostPort(testbedEnv("PLASTROND_TEST_SFTP"));
  return {
    host,
    port,
    user: testbedEnv("PLASTROND_TEST_SFTP_USER"),
    key: testbedEnv("PLASTROND_TEST_SFTP_KEY"),
    knownHosts: testbedEnv("PLASTROND_TEST_SFTP_KNOWN_HOSTS"),
  };
}

/** Read back over SFTP with a separate client (ssh2-sftp-client's own `get`). */
async function withReader<T>(fn: (c: ReadClient) => Promise<T>): Promise<T> {
  const s = server();
  const client = new SftpClient("test-reader") as unknown as ReadClient;
  await client.connect({
    host: s.host,
    port: s.port,
    username: s.user,
    privateKey: await Deno.readTextFile(s.key),
  });
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function remoteDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-sftp-" });
  return dir;
}

Deno.test("sftp:// URIs are parsed, and passwords never shown", () => {
  assertEquals(parseSftpUri("sftp://ann@host.example:2222/exports/a%20b.zip"), {
    user: "ann",
    password: undefined,
    host: "host.example",
    port: 2222,
    path: "/exports/a b.zip",
  });
  assertEquals(parseSftpUri("sftp://ann@h/~/x.zip").path, "x.zip");
  assertEquals(redactSftpUri("sftp://ann:s3cret@h/x.zip"), "sftp://ann:***@h/x.zip");
  throws(() => parseSftpUri("sftp://h/x.zip"), BadRequestError);
  throws(() => parseSftpUri("sftp://ann@h/a/../x.zip"), BadRequestError);
  throws(() => parseSftpUri("sftp://ann@h/dir/"), BadRequestError);
});

Deno.test("a streamed SFTP upload arrives whole, under its name only after commit", async () => {
  const s = server();
  const dir = await remoteDir();
  try {
    const target = join(dir, "nested", "bag-one.zip");
    const dest = await openSftpDestination(`sftp://${s.user}@${s.host}:${s.port}${target}`, {
      privateKeyFile: s.key,
      knownHostsFile: s.knownHosts,
      allowedHosts: [`${s.host}:${s.port}`],
    });
    assertEquals(dest.name, "bag-one");
    const data = new Uint8Array(5 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i += 65536) {
      crypto.getRandomValues(data.subarray(i, Math.min(data.length, i + 65536)));
    }
    const writer = dest.writable.getWriter();
    for (let off = 0; off < data.length; off += 100_000) {
      await writer.write(data.slice(off, off + 100_000));
    }
    await writer.close();
    const before = await withReader((c) => c.list(join(dir, "nested")));
    assert(!before.some((e) => e.name === "bag-one.zip"), "not under its name before commit");
    await dest.commit();
    const got = await withReader((c) => c.get(target));
    assertEquals(got.byteLength, data.byteLength);
    assertEquals(new Uint8Array(got), data);
    const after = await withReader((c) => c.list(join(dir, "nested")));
    assertEquals(after.map((e) => e.name), ["bag-one.zip"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a discarded SFTP upload leaves nothing behind", async () => {
  const s = server();
  const dir = await remoteDir();
  try {
    const dest = await openSftpDestination(`sftp://${s.user}@${s.host}:${s.port}${dir}/x.zip`, {
      privateKeyFile: s.key,
      knownHostsFile: s.knownHosts,
    });
    const writer = dest.writable.getWriter();
    await writer.write(new Uint8Array(70000));
    writer.releaseLock();
    await dest.discard();
    assertEquals(await withReader((c) => c.list(dir)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("host keys: a wrong or unknown key is refused, hosts outside SFTP_HOSTS too", async () => {
  const s = server();
  const dir = await remoteDir();
  try {
    const uri = `sftp://${s.user}@${s.host}:${s.port}${dir}/x.zip`;
    const wrong = join(dir, "known_hosts_wrong");
    const otherKey = btoa(String.fromCharCode(...new Uint8Array(51).fill(3)));
    await Deno.writeTextFile(wrong, `[${s.host}]:${s.port} ssh-ed25519 ${otherKey}\n`);
    await rejects(
      () => openSftpDestination(uri, { privateKeyFile: s.key, knownHostsFile: wrong }),
      /does not match COMMANDS\.KNOWN_HOSTS/,
    );
    const unknown = join(dir, "known_hosts_unknown");
    await Deno.writeTextFile(unknown, `elsewhere.example ssh-ed25519 ${otherKey}\n`);
    await rejects(
      () => openSftpDestination(uri, { privateKeyFile: s.key, knownHostsFile: unknown }),
      /is not in COMMANDS\.KNOWN_HOSTS/,
    );
    await rejects(
      () =>
        openSftpDestination(uri, {
          privateKeyFile: s.key,
          knownHostsFile: s.knownHosts,
          allowedHosts: ["sftp.example.edu"],
        }),
      BadRequestError,
    );
    // nothing was created by the refused attempts
    assertEquals(
      (await withReader((c) => c.list(dir))).map((e) => e.name).sort(),
      ["known_hosts_unknown", "known_hosts_wrong"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
