/**
 * One way to open an SFTP connection for both directions (import binaries
 * from `sftp://`, exports to `sftp://`): the host checked against
 * `COMMANDS.SFTP_HOSTS`, the key file read, and the server's host key checked
 * against `COMMANDS.KNOWN_HOSTS` (or accepted with a warning when there is
 * none).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import SftpClient from "ssh2-sftp-client";
import { getLogger } from "@logtape/logtape";
import { BadRequestError } from "../errors.ts";
import { fingerprint, parseKnownHosts, verifyHostKey } from "./known_hosts.ts";
import { parseSftpUri, redactSftpUri, type SftpAddress, sftpHostAllowed } from "./sftp_address.ts";

const logger = getLogger(["plastrond", "transfer", "sftp"]);

/** How to connect, and for which command (it names the key setting in messages). */
export interface SftpConnectOptions {
  /** `export` or `import`: whose `SSH_PRIVATE_KEY` is used. */
  command: "export" | "import";
  /** `COMMANDS.<COMMAND>.SSH_PRIVATE_KEY`. */
  privateKeyFile?: string;
  /** `COMMANDS.KNOWN_HOSTS`; without it unknown keys are accepted with a warning. */
  knownHostsFile?: string;
  /** `COMMANDS.SFTP_HOSTS`: `host[:port]` entries (no port means 22). */
  allowedHosts?: string[];
  /** Connection timeout in ms (default 20000). */
  readyTimeout?: number;
}

/** The calls of ssh2-sftp-client every caller uses. */
export interface SftpSession {
  end(): Promise<unknown>;
}

/**
 * Connect to the server `uri` names; resolves to the connected
 * ssh2-sftp-client (typed by the caller as the part of it it uses) and the
 * parsed address.
 *
 * @throws {BadRequestError} for a host that is not allowed, a bad URI or no key.
 * @throws {Error} when the key cannot be read, or the connection, the login or
 *   the host key check fails (the message names the location without its password).
 */
export async function connectSftp<C extends SftpSession>(
  uri: string,
  options: SftpConnectOptions,
): Promise<{ client: C; address: SftpAddress }> {
  const address = parseSftpUri(uri);
  const location = redactSftpUri(uri.trim());
  const keySetting = `COMMANDS.${options.command.toUpperCase()}.SSH_PRIVATE_KEY`;
  if (options.allowedHosts && !sftpHostAllowed(options.allowedHosts, address.host, address.port)) {
    throw new BadRequestError(
      `SFTP host ${address.host}:${address.port} is not in COMMANDS.SFTP_HOSTS; ` +
        "use an allowed host or ask the operator to add it",
    );
  }
  if (!options.privateKeyFile && address.password === undefined) {
    throw new BadRequestError(
      `SFTP ${options.command} needs a key: ${keySetting} is not set in the configuration`,
    );
  }
  const privateKey = options.privateKeyFile
    ? await Deno.readFile(options.privateKeyFile).catch((e) => {
      throw new Error(`cannot read ${keySetting} ${options.privateKeyFile}: ${e.message}`);
    })
    : undefined;
  const knownHosts = options.knownHostsFile
    ? parseKnownHosts(
      await Deno.readTextFile(options.knownHostsFile).catch((e) => {
        throw new Error(`cannot read COMMANDS.KNOWN_HOSTS ${options.knownHostsFile}: ${e.message}`);
      }),
    )
    : undefined;

  let hostKeyProblem: string | undefined;
  const client = new SftpClient(`plastrond-${options.command}`);
  try {
    await client.connect({
      host: address.host,
      port: address.port,
      username: address.user,
      password: address.password,
      privateKey: privateKey ? Buffer.from(privateKey) : undefined,
      readyTimeout: options.readyTimeout ?? 20000,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        const blob = new Uint8Array(key);
        fingerprint(blob).then((fp) => {
          if (!knownHosts) {
            logger.warn(
              "COMMANDS.KNOWN_HOSTS is not set: accepting the unchecked host key {fingerprint} of {host}:{port}",
              { fingerprint: fp, host: address.host, port: address.port },
            );
            return verify(true);
          }
          const verdict = verifyHostKey(knownHosts, address.host, address.port, blob);
          if (verdict === "match") return verify(true);
          hostKeyProblem = verdict === "unknown"
            ? `the host key ${fp} of ${address.host}:${address.port} is not in COMMANDS.KNOWN_HOSTS; ` +
              "ask the operator to add it"
            : `the host key ${fp} of ${address.host}:${address.port} does not match ` +
              `COMMANDS.KNOWN_HOSTS (${verdict}); the server may be an impostor, do not retry ` +
              "before the operator checked it";
          logger.error("SFTP host key refused: {problem}", { problem: hostKeyProblem });
          verify(false);
        }, () => verify(false));
      },
    });
  } catch (e) {
    await client.end().catch(() => {});
    const reason = hostKeyProblem ?? (e instanceof Error ? e.message : String(e));
    throw new Error(`cannot connect to ${location}: ${reason}`);
  }
  return { client: client as unknown as C, address };
}
