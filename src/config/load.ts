/**
 * Loading the YAML configuration file into a typed {@linkcode Config}.
 *
 * The file has the sections `REPOSITORY`, `MESSAGE_BROKER`, `COMMANDS`
 * (optional) and `DAEMON` (optional). Every string value may refer to
 * environment variables as `${NAME}`; paths are relative to the file's
 * directory; unknown keys give warnings; every mistake gives a one-line
 * {@linkcode ConfigError} naming the file and the dotted key.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import { ConfigError } from "../errors.ts";
import { BROKER_SERVER_FORMS, parseBrokerAddress } from "./broker_address.ts";
import { type ConfigMap, ConfigReader } from "./reader.ts";
import type { EnvLookup } from "./substitute.ts";
import type {
  BrokerConfig,
  CommandsConfig,
  Config,
  DaemonConfig,
  Destinations,
  HttpConfig,
  RepositoryConfig,
} from "./types.ts";

/** Defaults of the `DAEMON` section. */
export const DAEMON_DEFAULTS: Readonly<Omit<DaemonConfig, "commands" | "http">> = {
  maxConcurrentJobs: 2,
  jobWorkers: 4,
  shutdownGraceSeconds: 30,
  maxBodyBytes: 67_108_864,
  maxAttempts: 3,
  retentionDays: 30,
};

/** Default STOMP heart-beating in milliseconds, both directions. */
export const DEFAULT_HEARTBEAT_MS = 10_000;

/** Default `DAEMON.HTTP.HOST`. */
export const DEFAULT_HTTP_HOST = "127.0.0.1";

const TOP_KEYS = ["REPOSITORY", "MESSAGE_BROKER", "COMMANDS", "DAEMON"];
const REPOSITORY_KEYS = [
  "REST_ENDPOINT",
  "RELPATH",
  "LOG_DIR",
  "CLIENT_CERT",
  "CLIENT_KEY",
  "FEDORA_USER",
  "FEDORA_PASSWORD",
  "AUTH_TOKEN",
  "JWT_SECRET",
  "SERVER_CERT",
];
const BROKER_KEYS = [
  "SERVER",
  "MESSAGE_STORE_DIR",
  "LOGIN",
  "PASSCODE",
  "HEARTBEAT",
  "DESTINATIONS",
  "CA_CERT",
  "CLIENT_CERT",
  "CLIENT_KEY",
];
const HEARTBEAT_KEYS = ["SEND", "RECEIVE"];
const DESTINATION_KEYS = ["JOBS", "JOB_STATUS", "JOBS_COMPLETED", "COMPLETED_JOBS", "JOB_PROGRESS"];
const DAEMON_KEYS = [
  "MAX_CONCURRENT_JOBS",
  "JOB_WORKERS",
  "SHUTDOWN_GRACE_SECONDS",
  "MAX_BODY_BYTES",
  "COMMANDS",
  "MAX_ATTEMPTS",
  "RETENTION_DAYS",
  "HTTP",
];
const HTTP_KEYS = ["HOST", "PORT"];
const EXPORT_KEYS = ["SSH_PRIVATE_KEY", "OUTPUT_ROOT"];
const IMPORT_KEYS = ["SSH_PRIVATE_KEY", "JOBS_DIR", "BINARIES_ROOT", "VOCABULARIES"];
const COMMANDS_SCALAR_KEYS = ["SFTP_HOSTS", "KNOWN_HOSTS"];

/**
 * Read, substitute and validate the configuration file at `path`.
 *
 * @param path The configuration file; relative paths inside it are resolved
 *   against its directory.
 * @param env Environment variables for `${NAME}` references; defaults to the
 *   process environment (read one variable at a time, so `--allow-env` may be
 *   limited to the variables the file uses).
 * @throws {ConfigError} when the file cannot be read, is not valid YAML, or a
 *   key is missing or has a wrong value.
 *
 * @example
 * ```ts
 * const config = await loadConfig("config.yml");
 * for (const warning of config.warnings) console.warn(warning);
 * ```
 */
export async function loadConfig(
  path: string,
  env?: Record<string, string | undefined>,
): Promise<Config> {
  const file = resolve(path);
  const text = await readConfigText(path, file);
  const lineCounter = new LineCounter();
  let document;
  try {
    document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
    // The YAML parser reads LOG_TOKENS and LOG_STREAM from the environment.
    const name = /"([^"]+)"/.exec(error.message)?.[1] ?? "LOG_TOKENS";
    throw new ConfigError(
      path,
      `parsing YAML reads the environment variable ${name}; ` +
        `run with --allow-env=LOG_TOKENS,LOG_STREAM (plus the variables the file uses)`,
    );
  }
  if (document.errors.length > 0) throw yamlError(path, document.errors[0], lineCounter);

  const lookup: EnvLookup = env
    ? (name) => Object.hasOwn(env, name) ? env[name] : undefined
    : (name) => Deno.env.get(name);
  const reader = new ConfigReader({
    displayName: path,
    baseDir: dirname(file),
    document,
    lineCounter,
    env: lookup,
  });
  for (const warning of document.warnings) {
    reader.warnings.push(`${path}: ${yamlMessage(warning, lineCounter)}`);
  }

  const root = reader.root();
  reader.checkKeys(root, TOP_KEYS);
  const repository = readRepository(reader, root);
  const broker = readBroker(reader, root);
  const daemon = readDaemon(reader, root);
  const commands = readCommands(reader, root, broker.messageStoreDir);
  return {
    file,
    repository,
    broker,
    daemon,
    commands,
    warnings: reader.warnings,
    envVars: reader.envVars,
  };
}

async function readConfigText(path: string, file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ConfigError(path, "cannot read the configuration file: no such file");
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new ConfigError(
        path,
        `reading the configuration file is not permitted; run with --allow-read=${file}`,
      );
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new ConfigError(
        path,
        "cannot read the configuration file: permission denied (check its owner and mode)",
      );
    }
    if (error instanceof Deno.errors.IsADirectory) {
      throw new ConfigError(path, "cannot read the configuration file: it is a directory");
    }
    if (error instanceof TypeError || error instanceof Deno.errors.InvalidData) {
      throw new ConfigError(path, "cannot read the configuration file: it is not UTF-8 text");
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(path, `cannot read the configuration file: ${reason}`);
  }
}

function yamlError(path: string, error: YAMLError, lineCounter: LineCounter): ConfigError {
  return new ConfigError(path, `YAML syntax error: ${yamlMessage(error, lineCounter)}`);
}

function yamlMessage(error: YAMLError, lineCounter: LineCounter): string {
  const position = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
  const firstLine = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  const where = position.line > 0 ? `line ${position.line}, column ${position.col}: ` : "";
  return `${where}${firstLine.trim()}`;
}

function readRepository(reader: ConfigReader, root: ConfigMap): RepositoryConfig {
  const section = reader.map(
    root,
    "REPOSITORY",
    true,
    "it needs at least REST_ENDPOINT, e.g. http://localhost:8080/fcrepo/rest",
  );
  reader.checkKeys(section, REPOSITORY_KEYS);
  const endpoint = reader.string(
    section,
    "REST_ENDPOINT",
    true,
    "set the Fedora REST root, e.g. http://localhost:8080/fcrepo/rest",
  ).trim();
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    reader.fail(
      [...section.path, "REST_ENDPOINT"],
      `expected an http:// or https:// URL such as http://localhost:8080/fcrepo/rest, ` +
        `found ${JSON.stringify(endpoint)}`,
    );
  }
  const relpathText = reader.string(section, "RELPATH")?.trim() ?? "/";
  return {
    restEndpoint: endpoint.replace(/\/+$/, ""),
    relpath: normalizeRelpath(relpathText),
    logDir: reader.path(section, "LOG_DIR"),
    clientCert: reader.path(section, "CLIENT_CERT"),
    clientKey: reader.path(section, "CLIENT_KEY"),
    fedoraUser: reader.string(section, "FEDORA_USER"),
    fedoraPassword: reader.string(section, "FEDORA_PASSWORD"),
    authToken: reader.string(section, "AUTH_TOKEN"),
    jwtSecret: reader.string(section, "JWT_SECRET"),
    serverCert: reader.path(section, "SERVER_CERT"),
  };
}

/** `RELPATH` with exactly one leading `/` and no trailing `/` (except the root `/`). */
export function normalizeRelpath(relpath: string): string {
  const trimmed = relpath.replace(/^\/+/, "").replace(/\/+$/, "");
  return `/${trimmed}`;
}

function readBroker(reader: ConfigReader, root: ConfigMap): BrokerConfig {
  const section = reader.map(
    root,
    "MESSAGE_BROKER",
    true,
    "it needs SERVER, MESSAGE_STORE_DIR and DESTINATIONS",
  );
  reader.checkKeys(section, BROKER_KEYS);
  const server = reader.string(
    section,
    "SERVER",
    true,
    `use one of: ${BROKER_SERVER_FORMS}`,
  ).trim();
  const parsed = parseBrokerAddress(server);
  if (!parsed.ok) {
    reader.fail(
      [...section.path, "SERVER"],
      `${parsed.reason} in ${JSON.stringify(server)}; use one of: ${BROKER_SERVER_FORMS}`,
    );
  }
  const messageStoreDir = reader.path(section, "MESSAGE_STORE_DIR", true);
  return {
    server,
    address: parsed.address,
    messageStoreDir,
    login: reader.string(section, "LOGIN"),
    passcode: reader.string(section, "PASSCODE"),
    heartbeat: readHeartbeat(reader, section),
    destinations: readDestinations(reader, section),
    caCert: reader.path(section, "CA_CERT"),
    clientCert: reader.path(section, "CLIENT_CERT"),
    clientKey: reader.path(section, "CLIENT_KEY"),
  };
}

function readHeartbeat(reader: ConfigReader, broker: ConfigMap): BrokerConfig["heartbeat"] {
  const section = reader.map(broker, "HEARTBEAT");
  if (!section) return { send: DEFAULT_HEARTBEAT_MS, receive: DEFAULT_HEARTBEAT_MS };
  reader.checkKeys(section, HEARTBEAT_KEYS);
  const options = {
    default: DEFAULT_HEARTBEAT_MS,
    min: 0,
    max: 2_147_483_647,
    unit: "milliseconds",
  };
  return {
    send: reader.integer(section, "SEND", options),
    receive: reader.integer(section, "RECEIVE", options),
  };
}

function readDestinations(reader: ConfigReader, broker: ConfigMap): Destinations {
  const section = reader.map(
    broker,
    "DESTINATIONS",
    true,
    "it needs JOBS and JOB_STATUS, e.g. JOBS: /queue/plastron.jobs",
  );
  reader.checkKeys(section, DESTINATION_KEYS);
  const jobs = reader.string(section, "JOBS", true, "name the queue job requests arrive on")
    .trim();
  const jobStatus = reader.string(section, "JOB_STATUS", true, "name where progress goes")
    .trim();
  const jobsCompleted = reader.string(section, "JOBS_COMPLETED")?.trim() || undefined;
  const completedJobs = reader.string(section, "COMPLETED_JOBS")?.trim() || undefined;
  if (jobsCompleted && completedJobs && jobsCompleted !== completedJobs) {
    reader.fail(
      [...section.path, "COMPLETED_JOBS"],
      `COMPLETED_JOBS (${completedJobs}) and JOBS_COMPLETED (${jobsCompleted}) are the same ` +
        `setting with different values; keep only one of them`,
    );
  }
  const completed = jobsCompleted ?? completedJobs;
  if (!completed && jobStatus.startsWith("/topic/")) {
    reader.warn(
      section.path,
      `neither JOBS_COMPLETED nor COMPLETED_JOBS is set, so completions go to JOB_STATUS ` +
        `${jobStatus}, a topic: a completion sent while no client listens is lost; ` +
        `set JOBS_COMPLETED to a queue`,
    );
  }
  const progress = reader.string(section, "JOB_PROGRESS")?.trim() || undefined;
  return {
    jobs,
    jobStatus,
    jobsCompleted: completed ?? jobStatus,
    jobProgress: progress ?? jobStatus,
  };
}

function readDaemon(reader: ConfigReader, root: ConfigMap): DaemonConfig {
  const section = reader.map(root, "DAEMON");
  if (!section) return { ...DAEMON_DEFAULTS };
  reader.checkKeys(section, DAEMON_KEYS);
  const d = DAEMON_DEFAULTS;
  return {
    maxConcurrentJobs: reader.integer(section, "MAX_CONCURRENT_JOBS", {
      default: d.maxConcurrentJobs,
      min: 1,
      unit: "jobs",
    }),
    jobWorkers: reader.integer(section, "JOB_WORKERS", {
      default: d.jobWorkers,
      min: 1,
      unit: "workers",
    }),
    shutdownGraceSeconds: reader.integer(section, "SHUTDOWN_GRACE_SECONDS", {
      default: d.shutdownGraceSeconds,
      min: 0,
      unit: "seconds",
    }),
    maxBodyBytes: reader.integer(section, "MAX_BODY_BYTES", {
      default: d.maxBodyBytes,
      min: 1,
      unit: "bytes",
    }),
    commands: readCommandAllowList(reader, section),
    maxAttempts: reader.integer(section, "MAX_ATTEMPTS", {
      default: d.maxAttempts,
      min: 1,
      unit: "attempts",
    }),
    retentionDays: reader.integer(section, "RETENTION_DAYS", {
      default: d.retentionDays,
      min: 1,
      unit: "days",
    }),
    http: readHttp(reader, section),
  };
}

/**
 * Names of the built-in commands, for checking `DAEMON.COMMANDS` without
 * loading the commands themselves (a test keeps it equal to the registry).
 */
export const BUILTIN_COMMAND_NAMES: readonly string[] = ["echo", "export", "import"];

function readCommandAllowList(reader: ConfigReader, daemon: ConfigMap): string[] | undefined {
  const names = reader.stringList(daemon, "COMMANDS");
  if (names === undefined) return undefined;
  return names.map((name, index) => {
    const lower = name.toLowerCase();
    const path = [...daemon.path, "COMMANDS", String(index)];
    if (!/^[a-z][a-z0-9_-]*$/.test(lower)) {
      reader.fail(
        path,
        `expected a command name such as export or import, found ${JSON.stringify(name)}`,
      );
    }
    if (!BUILTIN_COMMAND_NAMES.includes(lower)) {
      reader.warn(
        path,
        `unknown command ${JSON.stringify(name)}: this daemon has no such command, so the ` +
          `name allows nothing (built in: ${BUILTIN_COMMAND_NAMES.join(", ")})`,
      );
    }
    return lower;
  });
}

function readHttp(reader: ConfigReader, daemon: ConfigMap): HttpConfig | undefined {
  if (daemon.entries.HTTP === false) return undefined;
  const section = reader.map(daemon, "HTTP");
  if (!section) return undefined;
  reader.checkKeys(section, HTTP_KEYS);
  if (section.entries.PORT === undefined || section.entries.PORT === null) {
    reader.fail(
      [...section.path, "PORT"],
      "missing key; give the port for the health/metrics listener, e.g. PORT: 9400",
    );
  }
  return {
    host: reader.string(section, "HOST")?.trim() || DEFAULT_HTTP_HOST,
    port: reader.integer(section, "PORT", { default: 0, min: 0, max: 65535, unit: "port" }),
  };
}

function readCommands(
  reader: ConfigReader,
  root: ConfigMap,
  messageStoreDir: string,
): CommandsConfig {
  const section = reader.map(root, "COMMANDS") ?? { path: ["COMMANDS"], entries: {} };
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section.entries)) {
    if (COMMANDS_SCALAR_KEYS.includes(key)) continue;
    if (
      value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value)
    ) {
      raw[key] = reader.substituteDeep([...section.path, key], value);
    } else {
      reader.checkKeys({ path: section.path, entries: { [key]: value } }, [
        ...COMMANDS_SCALAR_KEYS,
        "EXPORT",
        "IMPORT",
      ]);
    }
  }
  const exportSection = reader.map(section, "EXPORT");
  if (exportSection) reader.checkKeys(exportSection, EXPORT_KEYS);
  const importSection = reader.map(section, "IMPORT");
  if (importSection) reader.checkKeys(importSection, IMPORT_KEYS);
  const noSection: ConfigMap = { path: [], entries: {} };
  const exp = exportSection ?? noSection;
  const imp = importSection ?? noSection;
  return {
    export: {
      sshPrivateKey: reader.path(exp, "SSH_PRIVATE_KEY"),
      outputRoot: reader.path(exp, "OUTPUT_ROOT"),
    },
    import: {
      sshPrivateKey: reader.path(imp, "SSH_PRIVATE_KEY"),
      jobsDir: reader.path(imp, "JOBS_DIR") ?? resolve(messageStoreDir, "jobs"),
      binariesRoot: reader.path(imp, "BINARIES_ROOT"),
      vocabularies: readVocabularies(reader, imp),
    },
    sftpHosts: readSftpHosts(reader, section),
    knownHosts: reader.path(section, "KNOWN_HOSTS"),
    raw,
  };
}

/**
 * `COMMANDS.IMPORT.VOCABULARIES`: per model, per field (name or header
 * label), the URL or file of a controlled vocabulary; files resolved against
 * the configuration file. Whether the fields exist is checked by the import
 * command, which knows the models.
 */
function readVocabularies(
  reader: ConfigReader,
  importSection: ConfigMap,
): Record<string, Record<string, string>> | undefined {
  const section = reader.map(importSection, "VOCABULARIES");
  if (!section) return undefined;
  const out: Record<string, Record<string, string>> = {};
  for (const model of Object.keys(section.entries)) {
    const fields = reader.map(section, model, true);
    out[model] = {};
    for (const field of Object.keys(fields.entries)) {
      const value = reader.string(fields, field, true, "give the URL or file of a vocabulary")
        .trim();
      if (value === "") {
        reader.fail([...fields.path, field], 'expected the URL or file of a vocabulary, found ""');
      }
      out[model][field] = /^https?:\/\//i.test(value) ? value : reader.resolvePath(value);
    }
  }
  return out;
}

function readSftpHosts(reader: ConfigReader, commands: ConfigMap): string[] | undefined {
  const hosts = reader.stringList(commands, "SFTP_HOSTS");
  if (hosts === undefined) return undefined;
  for (const [index, host] of hosts.entries()) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?::([0-9]+))?$/
      .exec(host);
    const port = match?.[2] === undefined ? 22 : Number(match[2]);
    if (!match || port < 1 || port > 65535) {
      reader.fail(
        [...commands.path, "SFTP_HOSTS", String(index)],
        `expected host or host:port (port 1..65535), e.g. sftp.example.edu:22, ` +
          `found ${JSON.stringify(host)}`,
      );
    }
  }
  return hosts;
}
