/**
 * The permission set computed from real configuration files, and the
 * `plastrond permissions` subcommand run as a process.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { loadConfig } from "../../src/config/load.ts";
import { permissionFlags, permissionsFor, RUNTIME_ENV } from "../../src/permissions/scope.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function writeConfig(dir: string, tree: Record<string, unknown>): Promise<string> {
  const path = join(dir, "plastrond.yml");
  await Deno.writeTextFile(path, stringify(tree));
  return path;
}

function scopedTree(): Record<string, unknown> {
  return {
    REPOSITORY: {
      REST_ENDPOINT: "https://fcrepo.example.edu/fcrepo/rest",
      LOG_DIR: "log",
      CLIENT_CERT: "certs/batchloader.pem",
      CLIENT_KEY: "certs/batchloader.key",
      SERVER_CERT: "/etc/ssl/repository.pem",
      FEDORA_PASSWORD: "${FEDORA_PASSWORD}",
    },
    MESSAGE_BROKER: {
      SERVER: "wss://broker.example.edu/stomp",
      MESSAGE_STORE_DIR: "msg",
      LOGIN: "${BROKER_LOGIN}",
      DESTINATIONS: { JOBS: "/queue/j", JOB_STATUS: "/queue/s", JOBS_COMPLETED: "/queue/c" },
    },
    COMMANDS: {
      EXPORT: { SSH_PRIVATE_KEY: "keys/id_ed25519", OUTPUT_ROOT: "/srv/exports" },
      IMPORT: { JOBS_DIR: "/var/lib/plastrond/jobs", BINARIES_ROOT: "/srv/binaries" },
      SFTP_HOSTS: ["sftp.example.edu", "files.example.edu:2222", "10.0.0.5"],
      KNOWN_HOSTS: "keys/known_hosts",
    },
    DAEMON: { HTTP: { PORT: 9400 } },
  };
}

Deno.test("a fully scoped configuration names every host, path and variable it needs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-perm-" });
  try {
    const path = await writeConfig(dir, scopedTree());
    const config = await loadConfig(path, { FEDORA_PASSWORD: "secret", BROKER_LOGIN: "me" });
    const set = permissionsFor(config, { tempDir: "/var/tmp" });
    assertEquals(set.unscoped, []);
    assertEquals(set.net, [
      "broker.example.edu:443",
      "fcrepo.example.edu:443",
      "127.0.0.1:9400",
      "sftp.example.edu:22",
      "files.example.edu:2222",
      "10.0.0.5:22",
    ]);
    const store = join(dir, "msg");
    const log = join(dir, "log");
    assertEquals(set.write, [store, "/var/lib/plastrond/jobs", log, "/var/tmp", "/srv/exports"]);
    assertEquals(set.read, [
      path,
      store,
      "/var/lib/plastrond/jobs",
      log,
      "/var/tmp",
      join(dir, "certs/batchloader.pem"),
      join(dir, "certs/batchloader.key"),
      "/etc/ssl/repository.pem",
      join(dir, "keys/id_ed25519"),
      join(dir, "keys/known_hosts"),
      "/srv/exports",
      "/srv/binaries",
    ]);
    assertEquals(set.env, ["FEDORA_PASSWORD", "BROKER_LOGIN", ...RUNTIME_ENV]);
    const flags = permissionFlags(set);
    assertEquals(flags.map((f) => f.split("=")[0]), [
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
    ]);
    assertEquals(flags[0], `--allow-net=${(set.net as string[]).join(",")}`);
    // No secret value ends up in the flags, only variable names.
    assert(!flags.join(" ").includes("secret"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unset roots and host lists leave that permission unlimited, naming the key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-perm-" });
  try {
    const tree = scopedTree();
    tree.COMMANDS = {};
    const config = await loadConfig(await writeConfig(dir, tree), {
      FEDORA_PASSWORD: "x",
      BROKER_LOGIN: "y",
    });
    const set = permissionsFor(config);
    assertEquals([set.net, set.read, set.write], ["all", "all", "all"]);
    assertEquals(set.unscoped.length, 3);
    for (const key of ["COMMANDS.SFTP_HOSTS", "EXPORT.OUTPUT_ROOT", "IMPORT.BINARIES_ROOT"]) {
      assert(set.unscoped.some((note) => note.includes(key)), key);
    }
    assertEquals(permissionFlags(set).slice(0, 3), [
      "--allow-net",
      "--allow-read",
      "--allow-write",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function runPermissions(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--allow-read", "--allow-env", join(ROOT, "main.ts"), ...args],
    env,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("`plastrond permissions -c` prints the flags one per line and notes on stderr", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-perm-" });
  try {
    const path = await writeConfig(dir, scopedTree());
    const env = { FEDORA_PASSWORD: "secret", BROKER_LOGIN: "me" };
    const config = await loadConfig(path, env);
    const run = await runPermissions(["permissions", "-c", path], env);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout.trimEnd().split("\n"), permissionFlags(permissionsFor(config)));
    assertEquals(run.stderr, "");

    const unscoped = scopedTree();
    delete (unscoped.COMMANDS as Record<string, unknown>).SFTP_HOSTS;
    const open = await runPermissions(["permissions", "-c", await writeConfig(dir, unscoped)], env);
    assertEquals(open.code, 0, open.stderr);
    assert(open.stdout.split("\n").includes("--allow-net"), open.stdout);
    assert(open.stderr.includes("COMMANDS.SFTP_HOSTS is unset"), open.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`plastrond permissions` fails with 1 on a bad configuration and 2 on bad usage", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-perm-" });
  try {
    const path = await writeConfig(dir, scopedTree());
    const unsetVariable = await runPermissions(["permissions", "-c", path], { BROKER_LOGIN: "me" });
    assertEquals(unsetVariable.code, 1);
    assert(unsetVariable.stderr.includes("FEDORA_PASSWORD"), unsetVariable.stderr);
    assertEquals(unsetVariable.stdout, "");

    const noConfig = await runPermissions(["permissions"]);
    assertEquals(noConfig.code, 2);
    assert(noConfig.stderr.includes("-c <config_file>"), noConfig.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vocabulary files are readable and vocabulary hosts reachable; nested paths are listed once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-perm-" });
  try {
    const tree = scopedTree();
    const commands = tree.COMMANDS as Record<string, Record<string, unknown>>;
    commands.IMPORT = {
      JOBS_DIR: "msg/jobs", // inside the message store: covered by it
      BINARIES_ROOT: "/srv/binaries",
      VOCABULARIES: {
        Item: { rights: "vocab/rights.ttl", "Object Type": "https://vocab.example.edu/types.ttl" },
        Letter: { rights: "http://vocab.example.org:8081/rights.ttl" },
      },
    };
    const path = await writeConfig(dir, tree);
    const config = await loadConfig(path, { FEDORA_PASSWORD: "secret", BROKER_LOGIN: "me" });
    assertEquals(config.warnings, []);
    assertEquals(config.commands.import.vocabularies, {
      Item: {
        rights: join(dir, "vocab/rights.ttl"),
        "Object Type": "https://vocab.example.edu/types.ttl",
      },
      Letter: { rights: "http://vocab.example.org:8081/rights.ttl" },
    });
    const set = permissionsFor(config, { tempDir: "/var/tmp" });
    assert(set.net !== "all" && set.read !== "all" && set.write !== "all");
    assert(set.net.includes("vocab.example.edu:443"), set.net.join(" "));
    assert(set.net.includes("vocab.example.org:8081"), set.net.join(" "));
    assert(set.read.includes(join(dir, "vocab/rights.ttl")), set.read.join(" "));
    const store = join(dir, "msg");
    assert(set.write.includes(store));
    assert(!set.write.includes(join(store, "jobs")), `jobs is under the store: ${set.write}`);
    assert(!set.read.includes(join(store, "jobs")), `jobs is under the store: ${set.read}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
