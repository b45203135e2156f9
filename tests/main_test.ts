import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { VERSION } from "../src/version.ts";
import { requireEnv } from "./helpers/broker_env.ts";
import { DaemonProcess } from "./helpers/daemon_process.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const MAIN = join(ROOT, "main.ts");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function runMain(
  args: string[],
  env: Record<string, string> = {},
  permissions: string[] = ["-A"],
): Promise<Run> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, MAIN, ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A usage or configuration mistake: the exit code, a short message, no stack trace. */
function assertShortError(run: Run, code: number, pattern: RegExp): void {
  assertEquals(run.code, code, `exit code; stderr:\n${run.stderr}`);
  assertEquals(run.stdout, "");
  assertMatch(run.stderr, pattern);
  assert(!/^\s+at /m.test(run.stderr), `stack trace printed:\n${run.stderr}`);
  assert(!run.stderr.includes("error: Uncaught"), run.stderr);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-main-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("--version prints the version and exits 0", async () => {
  for (const flag of ["--version", "-V"]) {
    const run = await runMain([flag]);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, `plastrond ${VERSION}\n`);
    assertEquals(run.stderr, "");
  }
});

Deno.test("--help lists the options and where the config keys are documented", async () => {
  for (const flag of ["--help", "-h"]) {
    const run = await runMain([flag]);
    assertEquals(run.code, 0, run.stderr);
    for (
      const text of ["-c, --config", "-v, --verbose", "--version", "--help", "config.example.yml"]
    ) {
      assert(run.stdout.includes(text), `--help does not mention ${text}:\n${run.stdout}`);
    }
    assertEquals(run.stderr, "");
  }
});

Deno.test("bad usage exits 2 with one line and a pointer to --help", async () => {
  const cases: [string[], RegExp][] = [
    [["--bogus"], /^plastrond: unknown option --bogus\n/],
    [["-x", "-c", "config.example.yml"], /^plastrond: unknown option -x\n/],
    [[], /^plastrond: missing the configuration file: -c <config_file>\n/],
    [["-v"], /^plastrond: missing the configuration file/],
    [["-c"], /^plastrond: option -c, --config <value> needs a value\n/],
    [["-c", "config.example.yml", "extra"], /^plastrond: unexpected argument extra\n/],
  ];
  for (const [args, pattern] of cases) {
    const run = await runMain(args);
    assertShortError(run, 2, pattern);
    assertMatch(run.stderr, /Try 'plastrond --help'/);
    assertEquals(run.stderr.trimEnd().split("\n").length, 2, run.stderr);
  }
});

Deno.test("a bad configuration exits 1 naming the file and key, without a stack trace", async () => {
  await withDir(async (dir) => {
    const badServer = join(dir, "bad-server.yml");
    await Deno.writeTextFile(
      badServer,
      stringify({
        REPOSITORY: { REST_ENDPOINT: "http://127.0.0.1:8080/fcrepo/rest" },
        MESSAGE_BROKER: {
          SERVER: "amqp://127.0.0.1:5672",
          MESSAGE_STORE_DIR: "msg",
          DESTINATIONS: { JOBS: "/queue/a", JOB_STATUS: "/queue/b" },
        },
      }),
    );
    const unsetVar = join(dir, "unset-var.yml");
    await Deno.writeTextFile(
      unsetVar,
      stringify({
        REPOSITORY: {
          REST_ENDPOINT: "http://127.0.0.1:8080/fcrepo/rest",
          FEDORA_PASSWORD: "${PLASTROND_MAIN_TEST_UNSET}",
        },
      }),
    );
    const badYaml = join(dir, "bad-yaml.yml");
    await Deno.writeTextFile(badYaml, "REPOSITORY:\n  REST_ENDPOINT: [http://x\n");

    const cases: [string, RegExp][] = [
      [badServer, /bad-server\.yml: MESSAGE_BROKER\.SERVER: unsupported scheme "amqp:\/\/"/],
      [
        unsetVar,
        /unset-var\.yml: REPOSITORY\.FEDORA_PASSWORD: environment variable PLASTROND_MAIN_TEST_UNSET is not set/,
      ],
      [badYaml, /bad-yaml\.yml: YAML syntax error: line \d+/],
      [join(dir, "missing.yml"), /missing\.yml: cannot read the configuration file: no such file/],
    ];
    for (const [path, pattern] of cases) {
      const run = await runMain(["-c", path]);
      assertShortError(run, 1, pattern);
      assertEquals(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    }
  });
});

Deno.test("an unwritable LOG_DIR exits 1 naming REPOSITORY.LOG_DIR", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "blocker"), "a file, not a directory");
    const path = join(dir, "config.yml");
    await Deno.writeTextFile(
      path,
      stringify({
        REPOSITORY: { REST_ENDPOINT: "http://127.0.0.1:8080/fcrepo/rest", LOG_DIR: "blocker/log" },
        MESSAGE_BROKER: {
          SERVER: "127.0.0.1:61613",
          MESSAGE_STORE_DIR: "msg",
          DESTINATIONS: { JOBS: "/queue/a", JOB_STATUS: "/queue/b" },
        },
      }),
    );
    const run = await runMain(["-c", path]);
    assertShortError(run, 1, /REPOSITORY\.LOG_DIR: cannot create the log directory/);
  });
});

Deno.test("a running daemon logs warnings, keeps secrets (Fedora password, broker PASSCODE) out of its logs and exits 0 on SIGTERM", async () => {
  const server = requireEnv("PLASTROND_TEST_RABBITMQ_TCP");
  const fedora = requireEnv("PLASTROND_TEST_FEDORA");
  await withDir(async (dir) => {
    const id = crypto.randomUUID().slice(0, 8);
    const password = `pw-${crypto.randomUUID()}`;
    // A PASSCODE of its own (the broker refuses it, and the daemon keeps
    // retrying and logging): it must not appear anywhere in the output.
    const passcode = `pc-${crypto.randomUUID()}`;
    const path = join(dir, "config.yml");
    await Deno.writeTextFile(
      path,
      stringify({
        REPOSITORY: {
          REST_ENDPOINT: fedora,
          FEDORA_USER: "plastrond-main-test",
          FEDORA_PASSWORD: "${PLASTROND_MAIN_TEST_PW}",
          LOG_DIR: "log",
          UNKNOWN_KEY_FOR_TEST: 1,
        },
        MESSAGE_BROKER: {
          SERVER: server,
          MESSAGE_STORE_DIR: "msg",
          LOGIN: `plastrond-main-test-${id}`,
          PASSCODE: passcode,
          DESTINATIONS: {
            JOBS: `/queue/plastrond-main-test-${id}.jobs`,
            JOB_STATUS: `/queue/plastrond-main-test-${id}.status`,
            JOBS_COMPLETED: `/queue/plastrond-main-test-${id}.completed`,
          },
        },
        DAEMON: { SHUTDOWN_GRACE_SECONDS: 2 },
      }),
    );
    Deno.env.set("PLASTROND_MAIN_TEST_PW", password);
    let daemon: DaemonProcess;
    try {
      daemon = await DaemonProcess.start(path, false);
    } finally {
      Deno.env.delete("PLASTROND_MAIN_TEST_PW");
    }
    let status: Deno.CommandStatus;
    try {
      await daemon.waitForLog(/unknown key REPOSITORY\.UNKNOWN_KEY_FOR_TEST \(ignored\)/);
      await daemon.waitForLog(/check MESSAGE_BROKER\.LOGIN and PASSCODE/, 30_000);
    } finally {
      status = await daemon.stop("SIGTERM");
    }
    assertEquals(status.code, 0, daemon.output);
    assertMatch(
      daemon.output,
      /\[WRN\] plastrond: .*config\.yml: unknown key REPOSITORY\.UNKNOWN_KEY/,
    );
    assert(!daemon.output.includes(password), "the Fedora password reached the console");
    assert(!daemon.output.includes(passcode), "the broker PASSCODE reached the console");

    const logDir = join(dir, "log");
    const files = [...Deno.readDirSync(logDir)].map((entry) => entry.name);
    assertEquals(files.length, 1, files.join(", "));
    assertMatch(files[0], /^plastrond-\d{8}T\d{6}Z\.log$/);
    const text = await Deno.readTextFile(join(logDir, files[0]));
    assertMatch(text, new RegExp(`plastrond "?${VERSION.replaceAll(".", "\\.")}"? starting`));
    assertMatch(text, /unknown key REPOSITORY\.UNKNOWN_KEY_FOR_TEST/);
    assertMatch(text, /check MESSAGE_BROKER\.LOGIN and PASSCODE/);
    assert(!text.includes(password), "the Fedora password reached the log file");
    assert(!text.includes(passcode), "the broker PASSCODE reached the log file");
  });
});

Deno.test("a missing permission exits 1 naming the flag that grants it", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "config.yml");
    await Deno.writeTextFile(
      path,
      stringify({
        REPOSITORY: {
          REST_ENDPOINT: "http://127.0.0.1:8080/fcrepo/rest",
          FEDORA_PASSWORD: "${PLASTROND_MAIN_TEST_PERM_PW}",
        },
      }),
    );
    const env = { PLASTROND_MAIN_TEST_PERM_PW: "x" };
    const noRead = await runMain(["-c", path], env, []);
    assertShortError(noRead, 1, /not permitted; run with --allow-read=.*config\.yml\n$/);

    const noYamlEnv = await runMain(["-c", path], env, [`--allow-read=${path}`]);
    assertShortError(noYamlEnv, 1, /--allow-env=LOG_TOKENS,LOG_STREAM/);

    const noVar = await runMain(["-c", path], env, [
      `--allow-read=${path}`,
      "--allow-env=LOG_TOKENS,LOG_STREAM",
    ]);
    assertShortError(
      noVar,
      1,
      /REPOSITORY\.FEDORA_PASSWORD: reading environment variable PLASTROND_MAIN_TEST_PERM_PW is not permitted; run with --allow-env=PLASTROND_MAIN_TEST_PERM_PW/,
    );
  });
});
