/**
 * The typed configuration that the loader produces from the YAML file.
 * Paths are already resolved against the configuration file's directory and
 * `${VAR}` references already substituted.
 *
 * @module
 */

/** The `REPOSITORY` section. */
export interface RepositoryConfig {
  /** Fedora REST root, without a trailing slash. */
  restEndpoint: string;
  /** Container path under the endpoint for new objects, starting with `/`. */
  relpath: string;
  logDir?: string;
  clientCert?: string;
  clientKey?: string;
  fedoraUser?: string;
  fedoraPassword?: string;
  authToken?: string;
  jwtSecret?: string;
  serverCert?: string;
}

/** `MESSAGE_BROKER.DESTINATIONS`. */
export interface Destinations {
  jobs: string;
  jobStatus: string;
  /** Where completions go: `JOBS_COMPLETED`/`COMPLETED_JOBS`, else `JOB_STATUS`. */
  jobsCompleted: string;
  /** Where progress goes: `JOB_PROGRESS`, else `JOB_STATUS`. */
  jobProgress: string;
}

/** How to reach the broker, parsed from `MESSAGE_BROKER.SERVER`. */
export type BrokerAddress =
  | { transport: "tcp"; host: string; port: number }
  | { transport: "tls"; host: string; port: number }
  | { transport: "ws"; url: string };

/** The `MESSAGE_BROKER` section. */
export interface BrokerConfig {
  /** The `SERVER` value as written. */
  server: string;
  address: BrokerAddress;
  messageStoreDir: string;
  login?: string;
  passcode?: string;
  heartbeat: { send: number; receive: number };
  destinations: Destinations;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
}

/** `DAEMON.HTTP`. */
export interface HttpConfig {
  host: string;
  port: number;
}

/** The `DAEMON` section (this project's own keys). */
export interface DaemonConfig {
  maxConcurrentJobs: number;
  jobWorkers: number;
  shutdownGraceSeconds: number;
  maxBodyBytes: number;
  /** Allow-list of command names; `undefined` means every built-in command. */
  commands?: string[];
  maxAttempts: number;
  retentionDays: number;
  http?: HttpConfig;
}

/** The `COMMANDS` section: per-command options keyed by upper-cased name. */
export interface CommandsConfig {
  export: { sshPrivateKey?: string; outputRoot?: string };
  import: {
    sshPrivateKey?: string;
    jobsDir: string;
    binariesRoot?: string;
    /**
     * `VOCABULARIES`: model name → field name or header label → vocabulary
     * URL or absolute file path.
     */
    vocabularies?: Record<string, Record<string, string>>;
  };
  sftpHosts?: string[];
  knownHosts?: string;
  /** Every sub-section as written, for commands added later. */
  raw: Record<string, unknown>;
}

/** The whole configuration. */
export interface Config {
  /** Absolute path of the file it was read from. */
  file: string;
  repository: RepositoryConfig;
  broker: BrokerConfig;
  daemon: DaemonConfig;
  commands: CommandsConfig;
  /** Warnings found while loading (unknown keys, topic used for completions). */
  warnings: string[];
  /** Names of the environment variables the file referred to. */
  envVars: string[];
}
