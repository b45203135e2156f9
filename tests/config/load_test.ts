import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { BUILTIN_COMMAND_NAMES, DAEMON_DEFAULTS, loadConfig } from "../../src/config/load.ts";
import { BUILTIN_COMMANDS } from "../../src/commands/registry.ts";
import { ConfigError } from "../../src/errors.ts";

const EXAMPLE = resolve(import.meta.dirname!, "../../config.example.yml");

type Tree = Record<string, unknown>;

/** A minimal valid configuration as a plain object; tests change parts of it. */
function baseConfig(): Tree {
  return {
    REPOSITORY: { REST_ENDPOINT: "http://127.0.0.1:8080/fcrepo/rest" },
    MESSAGE_BROKER: {
      SERVER: "127.0.0.1:61613",
      MESSAGE_STORE_DIR: "msg",
      DESTINATIONS: {
        JOBS: "/queue/plastron.jobs",
        JOB_STATUS: "/topic/plastron.jobs.status",
        JOBS_COMPLETED: "/queue/plastron.jobs.completed",
      },
    },
  };
}

/** Set `value` at the dotted `key` of `tree` (`undefined` deletes it). */
function setKey(tree: Tree, key: string, value: unknown): Tree {
  const parts = key.split(".");
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== "object" || node[part] === null) node[part] = {};
    node = node[part] as Tree;
  }
  const last = parts[parts.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return tree;
}

/** Expect `fn` to reject with an instance of `type`; returns the error. */
async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    assert(error instanceof type, `expected ${type.name}, got ${error}`);
    return error;
  }
  throw new Error(`expected ${type.name}, but nothing was thrown`);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-config-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function writeConfig(dir: string, content: Tree | string, name = "config.yml") {
  const path = join(dir, name);
  await Deno.writeTextFile(path, typeof content === "string" ? content : stringify(content));
  return path;
}

/** Load `content` and expect a one-line ConfigError; returns it. */
async function expectError(
  content: Tree | string,
  env: Record<string, string> = {},
): Promise<ConfigError> {
  let caught: unknown;
  await withDir(async (dir) => {
    const path = await writeConfig(dir, content);
    caught = await assertRejects(() => loadConfig(path, env), ConfigError);
  });
  const error = caught as ConfigError;
  assert(!error.message.includes("\n"), `message is not one line: ${error.message}`);
  assert(error.message.includes("config.yml"), `message does not name the file: ${error.message}`);
  return error;
}

Deno.test("the example config loads with no warnings and working values", async () => {
  const config = await loadConfig(EXAMPLE, {});
  assertEquals(config.warnings, []);
  assertEquals(config.envVars, []);
  assertEquals(config.file, EXAMPLE);
  const dir = resolve(EXAMPLE, "..");
  assertEquals(config.repository.restEndpoint, "http://127.0.0.1:8080/fcrepo/rest");
  assertEquals(config.repository.relpath, "/");
  assertEquals(config.repository.fedoraUser, "fedoraAdmin");
  assertEquals(config.repository.logDir, join(dir, "var/log"));
  assertEquals(config.broker.address, { transport: "tcp", host: "127.0.0.1", port: 61613 });
  assertEquals(config.broker.login, "guest");
  assertEquals(config.broker.passcode, "guest");
  assertEquals(config.broker.messageStoreDir, join(dir, "var/msg"));
  assertEquals(config.broker.heartbeat, { send: 10000, receive: 10000 });
  assertEquals(config.broker.destinations, {
    jobs: "/queue/plastron.jobs",
    jobStatus: "/topic/plastron.jobs.status",
    jobsCompleted: "/queue/plastron.jobs.completed",
    jobProgress: "/topic/plastron.jobs.status",
  });
  assertEquals(config.commands.import.jobsDir, join(dir, "var/msg/jobs"));
  assertEquals(config.daemon.maxConcurrentJobs, 2);
  assertEquals(config.daemon.http, undefined);
});

Deno.test("every key the example documents is one the loader knows", async () => {
  // Uncomment every commented-out `KEY: value` line of the example: the
  // result must load without any unknown-key warning.
  const text = await Deno.readTextFile(EXAMPLE);
  const uncommented = text.replace(/^( *)# ( *)([A-Z_]+:.*)$/gm, "$1$2$3")
    .replace(/^( *)# ( +)(- .*)$/gm, "$1$2$3")
    .replace(/^( *)# ( +)(Item:|rights: .*|Object Type: .*)$/gm, "$1$2$3");
  await withDir(async (dir) => {
    const path = await writeConfig(dir, uncommented);
    const config = await loadConfig(path, {
      FEDORA_AUTH_TOKEN: "token-value",
      FEDORA_JWT_SECRET: "jwt-value",
    });
    assertEquals(config.warnings, []);
    assertEquals(config.envVars, ["FEDORA_AUTH_TOKEN", "FEDORA_JWT_SECRET"]);
    assertEquals(config.repository.authToken, "token-value");
    assertEquals(config.repository.clientCert, join(dir, "certs/batchloader.pem"));
    assertEquals(config.broker.caCert, join(dir, "certs/broker-ca.pem"));
    assertEquals(config.broker.destinations.jobProgress, "/topic/plastron.jobs.progress");
    assertEquals(config.commands.export.outputRoot, join(dir, "var/exports"));
    assertEquals(config.commands.import.binariesRoot, join(dir, "var/binaries"));
    assertEquals(config.commands.import.vocabularies, {
      Item: {
        rights: "https://vocab.lib.umd.edu/rightsStatement.ttl",
        "Object Type": join(dir, "vocab/dcmitype.ttl"),
      },
    });
    assertEquals(config.commands.sftpHosts, ["sftp.example.edu", "127.0.0.1:22222"]);
    assertEquals(config.commands.knownHosts, join(dir, "keys/known_hosts"));
    assertEquals(config.daemon.commands, ["echo", "export", "import"]);
    assertEquals(config.daemon.http, { host: "127.0.0.1", port: 9400 });
  });
});

Deno.test("paths are resolved against the config file's directory, not the working directory", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(join(dir, "etc"));
    const tree = baseConfig();
    setKey(tree, "REPOSITORY.LOG_DIR", "../log");
    setKey(tree, "COMMANDS.EXPORT.SSH_PRIVATE_KEY", "keys/id");
    setKey(tree, "COMMANDS.IMPORT.BINARIES_ROOT", "/abs/binaries");
    const path = await writeConfig(join(dir, "etc"), tree);
    const config = await loadConfig(path, {});
    assertEquals(config.broker.messageStoreDir, join(dir, "etc/msg"));
    assertEquals(config.commands.import.jobsDir, join(dir, "etc/msg/jobs"));
    assertEquals(config.repository.logDir, join(dir, "log"));
    assertEquals(config.commands.export.sshPrivateKey, join(dir, "etc/keys/id"));
    assertEquals(config.commands.import.binariesRoot, "/abs/binaries");
    setKey(tree, "COMMANDS.IMPORT.JOBS_DIR", "state/jobs");
    const again = await loadConfig(await writeConfig(join(dir, "etc"), tree), {});
    assertEquals(again.commands.import.jobsDir, join(dir, "etc/state/jobs"));
  });
});

Deno.test("defaults of optional keys", async () => {
  await withDir(async (dir) => {
    const config = await loadConfig(await writeConfig(dir, baseConfig()), {});
    assertEquals(config.daemon, { ...DAEMON_DEFAULTS });
    assertEquals(config.daemon.maxBodyBytes, 67108864);
    assertEquals(config.broker.heartbeat, { send: 10000, receive: 10000 });
    assertEquals(config.repository.relpath, "/");
    assertEquals(config.commands.raw, {});
    assertEquals(config.warnings, []);
  });
});

Deno.test("a missing section or required key names it", async () => {
  const cases: [string, string][] = [
    ["REPOSITORY", "REPOSITORY"],
    ["MESSAGE_BROKER", "MESSAGE_BROKER"],
    ["REPOSITORY.REST_ENDPOINT", "REPOSITORY.REST_ENDPOINT"],
    ["MESSAGE_BROKER.SERVER", "MESSAGE_BROKER.SERVER"],
    ["MESSAGE_BROKER.MESSAGE_STORE_DIR", "MESSAGE_BROKER.MESSAGE_STORE_DIR"],
    ["MESSAGE_BROKER.DESTINATIONS", "MESSAGE_BROKER.DESTINATIONS"],
    ["MESSAGE_BROKER.DESTINATIONS.JOBS", "MESSAGE_BROKER.DESTINATIONS.JOBS"],
    ["MESSAGE_BROKER.DESTINATIONS.JOB_STATUS", "MESSAGE_BROKER.DESTINATIONS.JOB_STATUS"],
  ];
  for (const [removed, key] of cases) {
    const error = await expectError(setKey(baseConfig(), removed, undefined));
    assertEquals(error.key, key, error.message);
    assertMatch(error.message, /missing (section|key)/);
    assert(error.message.includes(key), error.message);
  }
});

Deno.test("an empty file or a file that is not a map is refused", async () => {
  assertMatch((await expectError("")).message, /empty.*REPOSITORY/);
  assertMatch((await expectError("- a\n- b\n")).message, /found a list of 2 items/);
});

Deno.test("SERVER forms: host:port is tcp, stomp+ssl:// is tls, ws:// and wss:// are WebSocket", async () => {
  const cases: [string, unknown][] = [
    ["localhost:61613", { transport: "tcp", host: "localhost", port: 61613 }],
    ["[::1]:61613", { transport: "tcp", host: "::1", port: 61613 }],
    ["stomp+ssl://mq.example.edu:61614", { transport: "tls", host: "mq.example.edu", port: 61614 }],
    ["stomp+tls://mq:61614", { transport: "tls", host: "mq", port: 61614 }],
    ["ssl://mq:61614", { transport: "tls", host: "mq", port: 61614 }],
    ["ws://127.0.0.1:15674/ws", { transport: "ws", url: "ws://127.0.0.1:15674/ws" }],
    ["wss://mq.example.edu/stomp", { transport: "ws", url: "wss://mq.example.edu/stomp" }],
  ];
  await withDir(async (dir) => {
    for (const [server, address] of cases) {
      const path = await writeConfig(dir, setKey(baseConfig(), "MESSAGE_BROKER.SERVER", server));
      const config = await loadConfig(path, {});
      assertEquals(config.broker.address, address, server);
      assertEquals(config.broker.server, server);
    }
  });
});

Deno.test("a bad SERVER is refused naming MESSAGE_BROKER.SERVER with valid forms", async () => {
  for (
    const server of [
      "localhost",
      "http://mq:61613",
      "mq:0",
      "mq:65536",
      "mq:port",
      "stomp+ssl://mq",
      "ws://mq:99999/ws",
      "mq:61613/extra",
    ]
  ) {
    const error = await expectError(setKey(baseConfig(), "MESSAGE_BROKER.SERVER", server));
    assertEquals(error.key, "MESSAGE_BROKER.SERVER", server);
    assert(error.message.includes(JSON.stringify(server)), error.message);
    assert(error.message.includes("localhost:61613"), `no example in: ${error.message}`);
    assert(error.message.includes("ws://"), `no ws example in: ${error.message}`);
  }
});

Deno.test("wrong types name the dotted key, what was expected and what was found", async () => {
  const cases: [string, unknown, string, RegExp][] = [
    [
      "MESSAGE_BROKER.HEARTBEAT.SEND",
      "ten",
      "MESSAGE_BROKER.HEARTBEAT.SEND",
      /expected a whole number of milliseconds, found a string \("ten"\)/,
    ],
    [
      "MESSAGE_BROKER.HEARTBEAT.RECEIVE",
      1.5,
      "MESSAGE_BROKER.HEARTBEAT.RECEIVE",
      /found a number \(1\.5\)/,
    ],
    [
      "MESSAGE_BROKER.HEARTBEAT",
      [1000, 1000],
      "MESSAGE_BROKER.HEARTBEAT",
      /expected a map .*found a list of 2 items/,
    ],
    ["REPOSITORY", ["http://x"], "REPOSITORY", /expected a map .*found a list of 1 item\b/],
    [
      "MESSAGE_BROKER.DESTINATIONS",
      "/queue/x",
      "MESSAGE_BROKER.DESTINATIONS",
      /expected a map .*found a string/,
    ],
    [
      "MESSAGE_BROKER.DESTINATIONS.JOBS",
      ["/queue/a"],
      "MESSAGE_BROKER.DESTINATIONS.JOBS",
      /expected a string, found a list/,
    ],
    [
      "DAEMON.MAX_CONCURRENT_JOBS",
      "2",
      "DAEMON.MAX_CONCURRENT_JOBS",
      /expected a whole number of jobs, found a string \("2"\)/,
    ],
    ["DAEMON.MAX_CONCURRENT_JOBS", 0, "DAEMON.MAX_CONCURRENT_JOBS", /at least 1, found 0/],
    ["DAEMON.HTTP.PORT", 70000, "DAEMON.HTTP.PORT", /between 0 and 65535, found 70000/],
    [
      "COMMANDS.IMPORT.VOCABULARIES",
      { Item: "rights.ttl" },
      "COMMANDS.IMPORT.VOCABULARIES.Item",
      /expected a map .*found a string/,
    ],
    [
      "COMMANDS.IMPORT.VOCABULARIES",
      { Item: { rights: ["a.ttl"] } },
      "COMMANDS.IMPORT.VOCABULARIES.Item.rights",
      /expected a string, found a list/,
    ],
    ["DAEMON.HTTP", { HOST: "127.0.0.1" }, "DAEMON.HTTP.PORT", /missing key/],
    [
      "DAEMON.COMMANDS",
      { export: true },
      "DAEMON.COMMANDS",
      /expected a list of strings, found a map/,
    ],
    ["DAEMON.COMMANDS", ["export", 3], "DAEMON.COMMANDS.1", /expected a string, found a number/],
    [
      "REPOSITORY.RELPATH",
      true,
      "REPOSITORY.RELPATH",
      /expected a string, found a boolean \(true\)/,
    ],
    [
      "COMMANDS.SFTP_HOSTS",
      ["sftp.example.edu:99999"],
      "COMMANDS.SFTP_HOSTS.0",
      /expected host or host:port/,
    ],
    [
      "REPOSITORY.REST_ENDPOINT",
      "ftp://x/rest",
      "REPOSITORY.REST_ENDPOINT",
      /http:\/\/ or https:\/\/ URL/,
    ],
    [
      "REPOSITORY.REST_ENDPOINT",
      "localhost:8080/rest",
      "REPOSITORY.REST_ENDPOINT",
      /http:\/\/ or https:\/\/ URL/,
    ],
  ];
  for (const [key, value, named, expected] of cases) {
    const error = await expectError(setKey(baseConfig(), key, value));
    assertEquals(error.key, named, error.message);
    assertMatch(error.message, expected);
    assertMatch(error.message, /\(line \d+\)$|\(section starts on line \d+\)$/);
  }
});

Deno.test("a wrongly typed secret is reported without its value", async () => {
  const error = await expectError(setKey(baseConfig(), "MESSAGE_BROKER.PASSCODE", 918273645));
  assertEquals(error.key, "MESSAGE_BROKER.PASSCODE");
  assertMatch(error.message, /expected a string, found a number/);
  assert(!error.message.includes("918273645"), error.message);
});

Deno.test("${NAME} is substituted from the environment in every string value", async () => {
  await withDir(async (dir) => {
    const tree = baseConfig();
    setKey(tree, "MESSAGE_BROKER.SERVER", "${MQ_HOST}:${MQ_PORT}");
    setKey(tree, "REPOSITORY.FEDORA_PASSWORD", "${FEDORA_PW}");
    setKey(tree, "MESSAGE_BROKER.HEARTBEAT.SEND", "${HB}");
    setKey(tree, "MESSAGE_BROKER.MESSAGE_STORE_DIR", "${STATE}/msg");
    setKey(tree, "COMMANDS.LATER.OPTION", "x-${MQ_HOST}");
    setKey(tree, "REPOSITORY.RELPATH", "/literal/$${NOT_A_VAR}");
    const config = await loadConfig(await writeConfig(dir, tree), {
      MQ_HOST: "mq.example.edu",
      MQ_PORT: "61614",
      FEDORA_PW: "pw-from-env",
      HB: "5000",
      STATE: "/var/lib/plastrond",
    });
    assertEquals(config.broker.address, { transport: "tcp", host: "mq.example.edu", port: 61614 });
    assertEquals(config.repository.fedoraPassword, "pw-from-env");
    assertEquals(config.broker.heartbeat.send, 5000);
    assertEquals(config.broker.messageStoreDir, "/var/lib/plastrond/msg");
    assertEquals(config.commands.raw, { LATER: { OPTION: "x-mq.example.edu" } });
    assertEquals(config.repository.relpath, "/literal/${NOT_A_VAR}");
    assertEquals(config.envVars, ["FEDORA_PW", "MQ_HOST", "MQ_PORT", "STATE", "HB"]);
  });
});

Deno.test("an unset ${NAME} is an error naming the variable and the key", async () => {
  const tree = setKey(baseConfig(), "REPOSITORY.FEDORA_PASSWORD", "${PLASTROND_TEST_UNSET_PW}");
  const error = await expectError(tree, {});
  assertEquals(error.key, "REPOSITORY.FEDORA_PASSWORD");
  assertMatch(error.message, /environment variable PLASTROND_TEST_UNSET_PW is not set/);
  const nested = await expectError(setKey(baseConfig(), "COMMANDS.LATER.X", "${NOPE}"), {});
  assertEquals(nested.key, "COMMANDS.LATER.X");
});

Deno.test("an integer from ${NAME} must still be a whole number", async () => {
  const tree = setKey(baseConfig(), "DAEMON.JOB_WORKERS", "${WORKERS}");
  const error = await expectError(tree, { WORKERS: "four" });
  assertEquals(error.key, "DAEMON.JOB_WORKERS");
  assertMatch(error.message, /found a string \("four"\)/);
});

Deno.test("without an env argument, ${NAME} reads the process environment", async () => {
  const name = `PLASTROND_TEST_LOAD_${crypto.randomUUID().replaceAll("-", "")}`;
  Deno.env.set(name, "/queue/from-process-env");
  try {
    await withDir(async (dir) => {
      const tree = setKey(baseConfig(), "MESSAGE_BROKER.DESTINATIONS.JOBS", `\${${name}}`);
      const config = await loadConfig(await writeConfig(dir, tree));
      assertEquals(config.broker.destinations.jobs, "/queue/from-process-env");
      assertEquals(config.envVars, [name]);
    });
  } finally {
    Deno.env.delete(name);
  }
});

Deno.test("COMPLETED_JOBS and JOBS_COMPLETED are one key", async () => {
  await withDir(async (dir) => {
    const tree = baseConfig();
    setKey(tree, "MESSAGE_BROKER.DESTINATIONS.JOBS_COMPLETED", undefined);
    setKey(tree, "MESSAGE_BROKER.DESTINATIONS.COMPLETED_JOBS", "/queue/done");
    const spelledOld = await loadConfig(await writeConfig(dir, tree), {});
    assertEquals(spelledOld.broker.destinations.jobsCompleted, "/queue/done");
    assertEquals(spelledOld.warnings, []);

    setKey(tree, "MESSAGE_BROKER.DESTINATIONS.JOBS_COMPLETED", "/queue/done");
    const both = await loadConfig(await writeConfig(dir, tree), {});
    assertEquals(both.broker.destinations.jobsCompleted, "/queue/done");
  });
  const tree = baseConfig();
  setKey(tree, "MESSAGE_BROKER.DESTINATIONS.COMPLETED_JOBS", "/queue/other");
  const error = await expectError(tree);
  assert(error.key?.startsWith("MESSAGE_BROKER.DESTINATIONS."), error.message);
  assertMatch(error.message, /COMPLETED_JOBS \(\/queue\/other\) and JOBS_COMPLETED/);
});

Deno.test("without a completions key, completions go to JOB_STATUS; a topic there warns", async () => {
  await withDir(async (dir) => {
    const tree = baseConfig();
    setKey(tree, "MESSAGE_BROKER.DESTINATIONS.JOBS_COMPLETED", undefined);
    const topic = await loadConfig(await writeConfig(dir, tree), {});
    assertEquals(topic.broker.destinations.jobsCompleted, "/topic/plastron.jobs.status");
    assertEquals(topic.warnings.length, 1);
    assertMatch(topic.warnings[0], /config\.yml: MESSAGE_BROKER\.DESTINATIONS: .*topic/);

    setKey(tree, "MESSAGE_BROKER.DESTINATIONS.JOB_STATUS", "/queue/plastron.status");
    setKey(tree, "MESSAGE_BROKER.DESTINATIONS.JOB_PROGRESS", "/topic/plastron.progress");
    const queue = await loadConfig(await writeConfig(dir, tree), {});
    assertEquals(queue.broker.destinations.jobsCompleted, "/queue/plastron.status");
    assertEquals(queue.broker.destinations.jobProgress, "/topic/plastron.progress");
    assertEquals(queue.warnings, []);
  });
});

Deno.test("unknown keys give warnings, not failures", async () => {
  await withDir(async (dir) => {
    const tree = baseConfig();
    setKey(tree, "REPOSITORY.FOO", 1);
    setKey(tree, "REPOSITORY.rest_endpoint", "http://x");
    setKey(tree, "MESSAGE_BROKER.DESTINATIONS.EXTRA", "/queue/x");
    setKey(tree, "DAEMON.HTTP", { PORT: 9400, TLS: true });
    setKey(tree, "COMMANDS.EXPORT.OUTPUT_ROOTS", "x");
    setKey(tree, "COMMANDS.TYPO", "x");
    setKey(tree, "COMMANDS.LATER.ANY", "kept");
    setKey(tree, "EXTRA_SECTION", { A: 1 });
    const path = await writeConfig(dir, tree);
    const config = await loadConfig(path, {});
    const prefix = `${path}: unknown key`;
    assertEquals(config.warnings.sort(), [
      `${prefix} COMMANDS.EXPORT.OUTPUT_ROOTS (ignored)`,
      `${prefix} COMMANDS.TYPO (ignored)`,
      `${prefix} DAEMON.HTTP.TLS (ignored)`,
      `${prefix} EXTRA_SECTION (ignored)`,
      `${prefix} MESSAGE_BROKER.DESTINATIONS.EXTRA (ignored)`,
      `${prefix} REPOSITORY.FOO (ignored)`,
      `${prefix} REPOSITORY.rest_endpoint (ignored; did you mean REST_ENDPOINT?)`,
    ]);
    assertEquals(config.commands.raw.LATER, { ANY: "kept" });
  });
});

Deno.test("DAEMON.COMMANDS naming a command this daemon does not have gives a warning", async () => {
  await withDir(async (dir) => {
    const tree = baseConfig();
    setKey(tree, "DAEMON.COMMANDS", ["Echo", "imprt", "import"]);
    const path = await writeConfig(dir, tree);
    const config = await loadConfig(path, {});
    assertEquals(config.daemon.commands, ["echo", "imprt", "import"]);
    assertEquals(config.warnings.length, 1, config.warnings.join("\n"));
    assertMatch(
      config.warnings[0],
      /config\.yml: DAEMON\.COMMANDS\.1: unknown command "imprt".*built in: echo, export, import/,
    );
  });
});

Deno.test("the built-in command names known to the config are those of the registry", () => {
  assertEquals([...BUILTIN_COMMAND_NAMES].sort(), BUILTIN_COMMANDS.map((c) => c.name).sort());
});

Deno.test("REST_ENDPOINT loses its trailing slash; RELPATH gets a leading one", async () => {
  await withDir(async (dir) => {
    const tree = baseConfig();
    setKey(tree, "REPOSITORY.REST_ENDPOINT", "https://fcrepo.example.edu/fcrepo/rest/");
    setKey(tree, "REPOSITORY.RELPATH", "pcdm/");
    const config = await loadConfig(await writeConfig(dir, tree), {});
    assertEquals(config.repository.restEndpoint, "https://fcrepo.example.edu/fcrepo/rest");
    assertEquals(config.repository.relpath, "/pcdm");
  });
});

Deno.test("a YAML syntax error names the file and the line", async () => {
  const text = [
    "REPOSITORY:",
    "  REST_ENDPOINT: http://127.0.0.1:8080/fcrepo/rest",
    "MESSAGE_BROKER:",
    '  SERVER: "127.0.0.1:61613',
    "  MESSAGE_STORE_DIR: msg",
    "",
  ].join("\n");
  const error = await expectError(text);
  assertMatch(error.message, /config\.yml: YAML syntax error: line \d+, column \d+: /);
  const duplicate = await expectError(
    "REPOSITORY:\n  REST_ENDPOINT: http://a\n  REST_ENDPOINT: http://b\n",
  );
  assertMatch(duplicate.message, /line 3, column 3: .*unique/i);
});

Deno.test("a missing or unreadable file is a ConfigError naming it", async () => {
  await withDir(async (dir) => {
    const missing = join(dir, "nope.yml");
    const error = await assertRejects(() => loadConfig(missing, {}), ConfigError);
    assertEquals(error.file, missing);
    assertEquals(error.message, `${missing}: cannot read the configuration file: no such file`);
    const directory = await assertRejects(() => loadConfig(dir, {}), ConfigError);
    assertMatch(directory.message, /cannot read the configuration file/);
  });
});
