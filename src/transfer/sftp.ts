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
import { baseNameWithoutExtension, type ExportDestination, partName } from "./destination.ts";
import { connectSftp } from "./sftp_connect.ts";
import { redactSftpUri } from "./sftp_address.ts";

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

export {
  isSftpUri,
  parseSftpUri,
  redactSftpUri,
  type SftpAddress,
  sftpHostAllowed,
} from "./sftp_address.ts";

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
  const { client, address } = await connectSftp<Client>(uri, { ...options, command: "export" });
  const location = redactSftpUri(uri.trim());

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
