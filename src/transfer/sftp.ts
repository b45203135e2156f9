/**
 * SFTP as export destination: `sftp://user@host[:port]/path/name.zip`. The
 * archive streams to the server with many writes in flight (ssh2's low-level
 * `write`), to a temporary name that is renamed into place when complete.
 * The host must be in `COMMANDS.SFTP_HOSTS` when that is set, and its key in
 * `COMMANDS.KNOWN_HOSTS` when that is set.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import SftpClient from "ssh2-sftp-client";
import { getLogger } from "@logtape/logtape";
import { BadRequestError } from "../errors.ts";
import { baseNameWithoutExtension, type ExportDestination, partName } from "./destination.ts";
import { fingerprint, parseKnownHosts, verifyHostKey } from "./known_hosts.ts";

const logger = getLogger(["plastrond", "transfer", "sftp"]);

/** An `sftp://` address, parsed. */
export interface SftpAddress {
  user: string;
  /** Only when the URI carried one; never logged. */
  password?: string;
  host: string;
  port: number;
  /** The remote path, percent-decoded. `/~/x` means `x` in the login folder. */
  path: string;
}

/** How to connect. */
export interface SftpOptions {
  /** Private key file (`COMMANDS.EXPORT.SSH_PRIVATE_KEY`). */
  privateKeyFile?: string;
  /** known_hosts file (`COMMANDS.KNOWN_HOSTS`); without it unknown keys are accepted with a warning. */
  knownHostsFile?: string;
  /** `COMMANDS.SFTP_HOSTS`: `host[:port]` entries (no port means 22). */
  allowedHosts?: string[];
  /** Bytes per write request (default 32 KiB). */
  chunkSize?: number;
  /** Write requests in flight (default 64). */
  inFlight?: number;
  /** Connection timeout in ms (default 20000). */
  readyTimeout?: number;
}

/** Is `dest` an SFTP URI? */
export function isSftpUri(dest: string): boolean {
  return /^sftp:\/\//i.test(dest.trim());
}

/**
 * Parse `sftp://user[:password]@host[:port]/path`.
 *
 * @throws {BadRequestError} when a part is missing or the path is unsafe.
 */
export function parseSftpUri(uri: string): SftpAddress {
  const rawPath = /^sftp:\/\/[^/]*(\/.*)?$/i.exec(uri.trim())?.[1] ?? "";
  if (
    rawPath.split("/").some((segment) => {
      const decoded = safeDecode(segment);
      return decoded === ".." || decoded === "." || decoded.includes("/");
    })
  ) {
    throw new BadRequestError(
      `${redactSftpUri(uri)} contains "." or ".." path segments, which are not allowed`,
    );
  }
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    throw new BadRequestError(
      `${
        redactSftpUri(uri)
      } is not a valid sftp:// URI; write sftp://user@host[:port]/path/name.zip`,
    );
  }
  if (url.protocol !== "sftp:" || url.hostname === "") {
    throw new BadRequestError(
      `${
        redactSftpUri(uri)
      } is not a valid sftp:// URI; write sftp://user@host[:port]/path/name.zip`,
    );
  }
  if (url.username === "") {
    throw new BadRequestError(
      `${redactSftpUri(uri)} names no user; write sftp://user@host[:port]/path/name.zip`,
    );
  }
  const path = decodeURIComponent(url.pathname);
  if (path === "" || path === "/" || path.endsWith("/")) {
    throw new BadRequestError(`${redactSftpUri(uri)} names no file; end it with /name.zip`);
  }
  if (path.split("/").includes("..") || path.includes("\0")) {
    throw new BadRequestError(`${redactSftpUri(uri)} contains "..", which is not allowed`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    user: decodeURIComponent(url.username),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    host,
    port: url.port ? Number(url.port) : 22,
    path: path.startsWith("/~/") ? path.slice(3) : path,
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The URI with any password replaced by `***`, for logs and messages. */
export function redactSftpUri(uri: string): string {
  return uri.replace(/^(sftp:\/\/[^:@/]*):[^@/]*@/i, "$1:***@");
}

/** Is `host:port` allowed by a `COMMANDS.SFTP_HOSTS` list? */
export function sftpHostAllowed(allowed: string[], host: string, port: number): boolean {
  return allowed.some((entry) => {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(entry.trim());
    if (!m) return false;
    return m[1].toLowerCase() === host.toLowerCase() && Number(m[2] ?? 22) === port;
  });
}

/** The part of ssh2's SFTP wrapper used here. */
interface RawSftp {
  open(path: string, flags: string, cb: (err: Error | undefined, handle: Buffer) => void): void;
  write(
    handle: Buffer,
    buf: Buffer,
    off: number,
    len: number,
    pos: number,
    cb: (err: Error | undefined) => void,
  ): void;
  close(handle: Buffer, cb: (err: Error | undefined) => void): void;
  ext_openssh_rename(from: string, to: string, cb: (err: Error | undefined) => void): void;
  rename(from: string, to: string, cb: (err: Error | undefined) => void): void;
  unlink(path: string, cb: (err: Error | undefined) => void): void;
  mkdir(path: string, cb: (err: Error | undefined) => void): void;
}

/** The part of ssh2-sftp-client used here. */
interface Client {
  connect(config: Record<string, unknown>): Promise<unknown>;
  end(): Promise<unknown>;
  mkdir(path: string, recursive: boolean): Promise<unknown>;
  exists(path: string): Promise<false | string>;
  sftp: RawSftp;
}

function call(fn: (cb: (err: Error | undefined) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => err ? reject(err) : resolve()));
}

/**
 * Connect and open an SFTP destination for `uri`.
 *
 * @throws {BadRequestError} for a host that is not allowed or a bad URI.
 * @throws {Error} when the connection, the login or the host key check fails.
 */
export async function openSftpDestination(
  uri: string,
  options: SftpOptions = {},
): Promise<ExportDestination> {
  const address = parseSftpUri(uri);
  const location = redactSftpUri(uri.trim());
  if (options.allowedHosts && !sftpHostAllowed(options.allowedHosts, address.host, address.port)) {
    throw new BadRequestError(
      `SFTP host ${address.host}:${address.port} is not in COMMANDS.SFTP_HOSTS; ` +
        "export to an allowed host or ask the operator to add it",
    );
  }
  if (!options.privateKeyFile && address.password === undefined) {
    throw new BadRequestError(
      "SFTP export needs a key: COMMANDS.EXPORT.SSH_PRIVATE_KEY is not set in the configuration",
    );
  }
  const privateKey = options.privateKeyFile
    ? await Deno.readFile(options.privateKeyFile).catch((e) => {
      throw new Error(
        `cannot read COMMANDS.EXPORT.SSH_PRIVATE_KEY ${options.privateKeyFile}: ${e.message}`,
      );
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
  const client = new SftpClient("plastrond-export") as unknown as Client;
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

  const sftp = client.sftp;
  const target = address.path;
  const part = partName(target);
  let handle: Buffer;
  try {
    const dir = target.includes("/") ? target.slice(0, target.lastIndexOf("/")) : "";
    if (dir !== "" && !(await client.exists(dir))) await client.mkdir(dir, true);
    handle = await new Promise<Buffer>((resolve, reject) =>
      sftp.open(part, "wx", (err, h) => err ? reject(err) : resolve(h))
    );
  } catch (e) {
    await client.end().catch(() => {});
    throw new Error(
      `cannot create ${part} on ${address.host}: ${e instanceof Error ? e.message : e}`,
    );
  }

  const writable = pipelinedWritable(
    sftp,
    handle,
    options.chunkSize ?? 32768,
    options.inFlight ?? 64,
  );
  let state: "open" | "committed" | "discarded" = "open";
  return {
    name: baseNameWithoutExtension(target),
    location,
    writable,
    async commit() {
      try {
        await call((cb) => sftp.ext_openssh_rename(part, target, cb)).catch(async () => {
          await call((cb) => sftp.unlink(target, cb)).catch(() => {});
          await call((cb) => sftp.rename(part, target, cb));
        });
        state = "committed";
      } finally {
        await client.end().catch(() => {});
      }
    },
    async discard() {
      if (state !== "open") return;
      state = "discarded";
      await writable.abort().catch(() => {});
      await call((cb) => sftp.close(handle, cb)).catch(() => {});
      await call((cb) => sftp.unlink(part, cb)).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

/** A byte sink that keeps up to `inFlight` SFTP write requests outstanding. */
function pipelinedWritable(
  sftp: RawSftp,
  handle: Buffer,
  chunkSize: number,
  inFlight: number,
): WritableStream<Uint8Array> {
  let position = 0;
  const pending = new Set<Promise<void>>();
  let failure: Error | undefined;
  let closed = false;
  const issue = (buf: Buffer, at: number) => {
    const p = call((cb) => sftp.write(handle, buf, 0, buf.byteLength, at, cb))
      .catch((e) => {
        failure ??= e instanceof Error ? e : new Error(String(e));
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      for (let off = 0; off < chunk.byteLength; off += chunkSize) {
        if (failure) throw new Error(`SFTP write failed: ${failure.message}`);
        while (pending.size >= inFlight) await Promise.race(pending);
        const piece = chunk.subarray(off, Math.min(chunk.byteLength, off + chunkSize));
        const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        issue(buf, position);
        position += piece.byteLength;
      }
    },
    async close() {
      await Promise.all(pending);
      if (failure) throw new Error(`SFTP write failed: ${failure.message}`);
      closed = true;
      await call((cb) => sftp.close(handle, cb));
    },
    async abort() {
      await Promise.allSettled(pending);
      if (!closed) closed = true;
    },
  });
}
