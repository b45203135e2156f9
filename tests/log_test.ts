import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { basename, join } from "node:path";
import { getLogger as getLogtapeLogger } from "@logtape/logtape";
import {
  clearSecrets,
  getLogger,
  logFileName,
  registerSecret,
  removeOldLogFiles,
  setupLogging,
  shutdownLogging,
} from "../src/log.ts";

const LOG_MODULE = new URL("../src/log.ts", import.meta.url).href;
const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

async function withLogDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-log-" });
  try {
    await fn(dir);
  } finally {
    await shutdownLogging();
    clearSecrets();
    await Deno.remove(dir, { recursive: true });
  }
}

async function onlyLogFile(dir: string): Promise<string> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  assertEquals(names.length, 1, `expected one log file, found ${names.join(", ")}`);
  return join(dir, names[0]);
}

Deno.test("the log file name carries the UTC start time", () => {
  const time = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  assertEquals(logFileName(time), "plastrond-20260102T030405Z.log");
  assertEquals(logFileName(time, "-2"), "plastrond-20260102T030405Z-2.log");
});

Deno.test("setupLogging creates the log directory and one file per run", async () => {
  await withLogDir(async (dir) => {
    const logDir = join(dir, "nested", "log");
    const before = new Date();
    const { logFile } = await setupLogging({ verbose: false, logDir, console: false });
    assert(logFile, "no log file reported");
    assertEquals(logFile, await onlyLogFile(logDir));
    assertMatch(basename(logFile), /^plastrond-\d{8}T\d{6}Z(-\d+)?\.log$/);
    const stamp = basename(logFile).slice("plastrond-".length, "plastrond-".length + 16);
    const expected = logFileName(before).slice("plastrond-".length, "plastrond-".length + 16);
    assert(stamp >= expected, `${stamp} is before the run started (${expected})`);

    getLogger("test").info("info record {n}", { n: 1 });
    getLogger("test").debug("debug record hidden without -v");
    getLogtapeLogger(["plastrond", "other"]).warn("a colleague's logger");
    getLogger("test").info("header {value}", { value: "x\n2026-01-01 [ERR] forged" });
    await shutdownLogging();
    const text = await Deno.readTextFile(logFile);
    assertEquals(text.trimEnd().split("\n").length, 3, text);
    assertMatch(text, /header x\\n2026-01-01 \[ERR\] forged\n/);
    assertMatch(text, /\[INF\] plastrond·test: info record 1\n/);
    assertMatch(text, /\[WRN\] plastrond·other: a colleague's logger\n/);
    assert(!text.includes("debug record"), text);

    // A second run in the same second gets its own file.
    const second = await setupLogging({ verbose: true, logDir, console: false });
    getLogger("test").debug("debug record shown with -v");
    await shutdownLogging();
    assert(second.logFile && second.logFile !== logFile);
    assertMatch(await Deno.readTextFile(second.logFile), /\[DBG\] plastrond·test: debug record/);
    assertEquals(await Deno.readTextFile(logFile), text);
  });
});

Deno.test("a registered secret never reaches the log file, in any shape", async () => {
  await withLogDir(async (dir) => {
    const secret = `s3cr"et-${crypto.randomUUID()}`;
    const token = `tok-${crypto.randomUUID()}`;
    registerSecret(secret);
    registerSecret(token);
    const { logFile } = await setupLogging({ verbose: true, logDir: dir, console: false });
    const log = getLogger("secrets");
    log.info("value in a template: {password}", { password: secret });
    log.info(`value in a plain string: ${secret} and ${token}`);
    log.info("nested: {config}", {
      config: { repository: { fedoraPassword: secret }, list: [token] },
    });
    log.error("an error: {error}", { error: new Error(`failed with password ${secret}`) });
    log.warn("url-encoded: {url}", { url: `http://u:${encodeURIComponent(secret)}@host/` });
    log.info("property only", { header: `Bearer ${token}` });
    log.info("sftp uri {uri}", { uri: "sftp://ann:hunter2@sftp.example.edu:22/exports" });
    log.info("ws uri {uri}", { uri: new URL("wss://mq:p%40ss@mq.example.edu/ws") });
    await shutdownLogging();

    const text = await Deno.readTextFile(logFile!);
    assertEquals(text.trimEnd().split("\n").filter((l) => /^\d{4}-/.test(l)).length, 8);
    for (
      const leaked of [secret, token, JSON.stringify(secret).slice(1, -1), "hunter2", "p%40ss"]
    ) {
      assert(!text.includes(leaked), `${leaked} leaked into the log:\n${text}`);
    }
    assert(!text.includes(encodeURIComponent(secret)), "URI-encoded secret leaked");
    assertMatch(text, /value in a template: "?\*\*\*/);
    assertMatch(text, /sftp:\/\/ann:\*\*\*@sftp\.example\.edu:22\/exports/);
    assertMatch(text, /wss:\/\/mq:\*\*\*@mq\.example\.edu\/ws/);
    assertMatch(text, /failed with password \*\*\*/);
  });
});

Deno.test("records logged just before Deno.exit are in the file and on standard error", async () => {
  await withLogDir(async (dir) => {
    const script = join(dir, "exit_early.ts");
    await Deno.writeTextFile(
      script,
      `import { getLogger, registerSecret, setupLogging } from ${JSON.stringify(LOG_MODULE)};
registerSecret("the-passcode");
await setupLogging({ verbose: false, logDir: Deno.args[0] });
for (let i = 0; i < 200; i++) getLogger("exit").info("record {i} the-passcode", { i });
Deno.exit(3);
`,
    );
    const logDir = join(dir, "log");
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", DENO_JSON, script, logDir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(output.code, 3, stderr);
    assertEquals(new TextDecoder().decode(output.stdout), "");
    assertMatch(stderr, /\[INF\] plastrond·exit: record 199 \*\*\*/);
    assert(!stderr.includes("the-passcode"), stderr);
    const text = await Deno.readTextFile(await onlyLogFile(logDir));
    assertEquals(text.trimEnd().split("\n").length, 200);
    assertMatch(text, /record 199 \*\*\*\n$/);
    assert(!text.includes("the-passcode"));
  });
});

Deno.test("an unusable log directory is reported as LogSetupError", async () => {
  await withLogDir(async (dir) => {
    const blocker = join(dir, "not-a-dir");
    await Deno.writeTextFile(blocker, "x");
    const { LogSetupError } = await import("../src/log.ts");
    let caught: unknown;
    try {
      await setupLogging({ verbose: false, logDir: join(blocker, "log"), console: false });
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof LogSetupError, `expected LogSetupError, got ${caught}`);
    assertMatch(caught.message, /cannot create the log directory .*not-a-dir\/log/);
  });
});

Deno.test("log files not written for RETENTION_DAYS are removed; others are kept", async () => {
  await withLogDir(async (dir) => {
    const day = 24 * 60 * 60 * 1000;
    const now = Date.now();
    const files: Record<string, number> = {
      "plastrond-20250101T000000Z.log": now - 40 * day,
      "plastrond-20250102T000000Z-2.log": now - 31 * day,
      "plastrond-20250103T000000Z.log": now - 29 * day,
      "notes-20250101.log": now - 400 * day,
      "plastrond-old.txt": now - 400 * day,
    };
    for (const [name, mtime] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), name);
      await Deno.utime(join(dir, name), mtime / 1000, mtime / 1000);
    }
    const kept = join(dir, "plastrond-20250101T000000Z.log");
    const removed = await removeOldLogFiles(dir, 30, { keep: kept });
    assertEquals(removed, [join(dir, "plastrond-20250102T000000Z-2.log")]);

    // setupLogging with retentionDays sweeps at start and never removes its own file.
    const { logFile } = await setupLogging({
      verbose: false,
      logDir: dir,
      console: false,
      retentionDays: 30,
    });
    const left = () => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    for (let i = 0; i < 50 && left().includes("plastrond-20250101T000000Z.log"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await shutdownLogging();
    assertEquals(
      await left(),
      [
        "notes-20250101.log",
        "plastrond-20250103T000000Z.log",
        basename(logFile!),
        "plastrond-old.txt",
      ].sort(),
    );
    assertMatch(await Deno.readTextFile(logFile!), /removed 1 log file\(s\) older than 30 days/);
  });
});
