/**
 * The permission set a configuration needs (SPEC §8): network access to the
 * broker, the repository, the SFTP hosts, the HTTP listener and the hosts of
 * vocabulary URLs; reading and writing of the message store, job, log,
 * temporary and export directories; reading of the configuration file, the
 * binaries root, key files and vocabulary files; and the environment
 * variables the configuration refers to.
 *
 * Where the configuration leaves something open (no `SFTP_HOSTS`, no
 * `OUTPUT_ROOT`, no `BINARIES_ROOT`), that permission cannot be limited; the
 * set says so in {@linkcode PermissionSet.unscoped}.
 *
 * @module
 */
import type { BrokerAddress, Config } from "../config/types.ts";

/** A list of allowed values, or `"all"` when the configuration cannot limit it. */
export type Allowed = string[] | "all";

/** What the daemon needs to run with a configuration. */
export interface PermissionSet {
  /** `host:port` (or `host` alone when any port on it is needed). */
  net: Allowed;
  /** Absolute paths (directories cover everything beneath). */
  read: Allowed;
  /** Absolute paths (directories cover everything beneath). */
  write: Allowed;
  /** Environment variable names; empty when none is needed. */
  env: string[];
  /** One sentence per permission that could not be limited, saying which key would limit it. */
  unscoped: string[];
}

/** The kinds of permission the daemon uses. */
export type PermissionKind = "net" | "read" | "write" | "env";

/** Options for {@linkcode permissionsFor}. */
export interface PermissionOptions {
  /** Directory for temporary files (exports spool there). Default: `TMPDIR` or `/tmp`. */
  tempDir?: string;
}

const DEFAULT_PORTS: Record<string, number> = {
  "http:": 80,
  "https:": 443,
  "ws:": 80,
  "wss:": 443,
};

/**
 * Environment variables read by the runtime and the npm packages the daemon
 * loads, whatever the configuration: `TMPDIR` (temporary files),
 * `READABLE_STREAM` (readable-stream, under n3), `LOG_TOKENS` and
 * `LOG_STREAM` (yaml's parser).
 */
export const RUNTIME_ENV: readonly string[] = [
  "TMPDIR",
  "READABLE_STREAM",
  "LOG_TOKENS",
  "LOG_STREAM",
];

/** The default SSH port, for `SFTP_HOSTS` entries without one. */
export const SFTP_DEFAULT_PORT = 22;

/** The permission set that `config` needs. */
export function permissionsFor(config: Config, options: PermissionOptions = {}): PermissionSet {
  const unscoped: string[] = [];
  const tempDir = options.tempDir ?? defaultTempDir();

  let net: Allowed = [
    brokerHost(config.broker.address),
    urlHost(config.repository.restEndpoint),
  ];
  if (config.daemon.http) {
    const { host, port } = config.daemon.http;
    net.push(port === 0 ? bracket(host) : `${bracket(host)}:${port}`);
  }
  const vocabularies = Object.values(config.commands.import.vocabularies ?? {})
    .flatMap((fields) => Object.values(fields));
  const vocabularyUrls = vocabularies.filter((source) => /^https?:\/\//i.test(source));
  const vocabularyFiles = vocabularies.filter((source) => !/^https?:\/\//i.test(source));
  for (const url of vocabularyUrls) net.push(urlHost(url));
  if (config.commands.sftpHosts === undefined) {
    net = "all";
    unscoped.push(
      "--allow-net is not limited: COMMANDS.SFTP_HOSTS is unset, so sftp:// URIs may name any " +
        "host; list the SFTP hosts there to limit it",
    );
  } else {
    for (const entry of config.commands.sftpHosts) net.push(sftpHost(entry));
  }

  const keyFiles = [
    config.repository.clientCert,
    config.repository.clientKey,
    config.repository.serverCert,
    config.broker.caCert,
    config.broker.clientCert,
    config.broker.clientKey,
    config.commands.export.sshPrivateKey,
    config.commands.import.sshPrivateKey,
    config.commands.knownHosts,
    ...vocabularyFiles,
  ];
  const writable = [
    config.broker.messageStoreDir,
    config.commands.import.jobsDir,
    config.repository.logDir,
    tempDir,
  ];

  const outputRoot = config.commands.export.outputRoot;
  const binariesRoot = config.commands.import.binariesRoot;
  let write: Allowed = tidyPaths([...writable, outputRoot]);
  if (outputRoot === undefined) {
    write = "all";
    unscoped.push(
      "--allow-write is not limited: COMMANDS.EXPORT.OUTPUT_ROOT is unset, so exports may be " +
        "written anywhere; set it to limit it",
    );
  }
  let read: Allowed = tidyPaths([
    config.file,
    ...writable,
    ...keyFiles,
    outputRoot,
    binariesRoot,
  ]);
  if (binariesRoot === undefined) {
    read = "all";
    unscoped.push(
      "--allow-read is not limited: COMMANDS.IMPORT.BINARIES_ROOT is unset, so imports may " +
        "read binaries anywhere; set it to limit it",
    );
  }

  return {
    net: net === "all" ? net : tidy(net),
    read,
    write,
    env: tidy([...config.envVars, ...RUNTIME_ENV]),
    unscoped,
  };
}

/**
 * The command-line flags granting `set`, one flag per element, e.g.
 * `--allow-net=127.0.0.1:61613,127.0.0.1:8080`. A kind with nothing to allow
 * gets no flag.
 */
export function permissionFlags(set: PermissionSet): string[] {
  const flags: string[] = [];
  for (const kind of ["net", "read", "write", "env"] as const) {
    const flag = flagFor(kind, set[kind]);
    if (flag) flags.push(flag);
  }
  return flags;
}

/** The flag granting `allowed` of `kind`, or `undefined` when nothing is allowed. */
export function flagFor(kind: PermissionKind, allowed: Allowed): string | undefined {
  if (allowed === "all") return `--allow-${kind}`;
  if (allowed.length === 0) return undefined;
  for (const value of allowed) {
    if (value.includes(",")) {
      throw new RangeError(
        `cannot grant --allow-${kind} for ${JSON.stringify(value)}: Deno's flags cannot hold ` +
          `a comma in a value; rename the path`,
      );
    }
  }
  return `--allow-${kind}=${allowed.join(",")}`;
}

function brokerHost(address: BrokerAddress): string {
  if (address.transport === "ws") return urlHost(address.url);
  return `${bracket(address.host)}:${address.port}`;
}

/** `host:port` of a URL, with the scheme's default port when none is written. */
export function urlHost(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port === "" ? DEFAULT_PORTS[parsed.protocol] : Number(parsed.port);
  // URL keeps IPv6 hosts in brackets already.
  return port === undefined ? parsed.hostname : `${parsed.hostname}:${port}`;
}

function sftpHost(entry: string): string {
  // `host`, `host:port`, `[v6]`, `[v6]:port`
  const url = new URL(`sftp://${
    entry.includes(":") && !entry.startsWith("[") &&
      entry.indexOf(":") !== entry.lastIndexOf(":")
      ? `[${entry}]`
      : entry
  }`);
  const port = url.port === "" ? SFTP_DEFAULT_PORT : Number(url.port);
  return `${url.hostname}:${port}`;
}

function bracket(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function tidy(values: readonly (string | undefined)[]): string[] {
  const present: string[] = [];
  for (const value of values) if (value) present.push(value);
  return [...new Set(present)];
}

/** Like {@linkcode tidy}, and without paths that a directory in the list already covers. */
function tidyPaths(values: readonly (string | undefined)[]): string[] {
  const paths = tidy(values);
  const covers = (dir: string, path: string) =>
    path !== dir && path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
  return paths.filter((path) => !paths.some((other) => covers(other, path)));
}

function defaultTempDir(): string {
  let dir: string | undefined;
  try {
    dir = Deno.env.get("TMPDIR");
  } catch { /* no env permission: the usual default */ }
  return (dir ?? "/tmp").replace(/(.)\/+$/, "$1");
}
