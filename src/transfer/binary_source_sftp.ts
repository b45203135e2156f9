/**
 * Binaries over SFTP: `sftp://user@host[:port]/dir` (files read one by one)
 * and `zip+sftp://user@host[:port]/path.zip` (the zip is copied, streamed, to
 * a temporary file, then read like `zip:`). The key is
 * `COMMANDS.IMPORT.SSH_PRIVATE_KEY`; the host must be in `COMMANDS.SFTP_HOSTS`
 * when that is set and its key in `COMMANDS.KNOWN_HOSTS` when that is set.
 *
 * @module
 */
import { posix } from "node:path";
import type { Readable } from "node:stream";
import { unsafePathReason } from "../csv/files.ts";
import {
  assertSafePath,
  BinaryNotFoundError,
  type BinarySource,
  lazyStream,
  mimeTypeFor,
  type SourceBinary,
} from "./binary_source.ts";
import { ZipSource } from "./binary_source_zip.ts";
import { redactSftpUri, type SftpAddress } from "./sftp_address.ts";
import { connectSftp } from "./sftp_connect.ts";

/** How to reach an SFTP binaries location. */
export interface SftpSourceOptions {
  /** `COMMANDS.IMPORT.SSH_PRIVATE_KEY`. */
  privateKeyFile?: string;
  /** `COMMANDS.KNOWN_HOSTS`. */
  knownHostsFile?: string;
  /** `COMMANDS.SFTP_HOSTS`. */
  allowedHosts?: string[];
  /** Connection timeout in ms (default 20000). */
  readyTimeout?: number;
}

/** The part of ssh2-sftp-client used here. */
interface Client {
  connect(config: Record<string, unknown>): Promise<unknown>;
  /** The underlying ssh2 connection. */
  client: {
    exec(
      command: string,
      callback: (err: Error | undefined, stream: Readable & { stderr: Readable }) => void,
    ): void;
  };
  end(): Promise<unknown>;
  stat(path: string): Promise<{ isFile: boolean; size: number }>;
  createReadStream(path: string): Readable;
}

function connect(
  uri: string,
  options: SftpSourceOptions,
): Promise<{ client: Client; address: SftpAddress }> {
  return connectSftp<Client>(uri, { ...options, command: "import" });
}

/**
 * A web stream of a Node stream's bytes. Chunks are copied: ssh2 may reuse a
 * chunk's memory once it has been handed over. Errors after the end (ssh2
 * reports a late close failure when the connection ends) are ignored.
 */
function nodeToWeb(stream: Readable): ReadableStream<Uint8Array> {
  stream.on("error", () => {/* surfaced through the iterator while reading */});
  return ReadableStream.from(
    (async function* () {
      for await (const chunk of stream as AsyncIterable<Uint8Array>) yield new Uint8Array(chunk);
    })(),
  );
}

/** `'…'` quoting for a POSIX shell. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * The SHA-256 of a remote file from the server's own `sha256sum`, or
 * `undefined` when the server does not allow it (no shell, no such tool).
 */
function remoteSha256(
  client: Client,
  path: string,
  timeoutMs = 30000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    const done = (value: string | undefined) => {
      clearTimeout(timer);
      resolve(value);
    };
    try {
      client.client.exec(`sha256sum -- ${shellQuote(path)}`, (err, stream) => {
        if (err) return done(undefined);
        let out = "";
        stream.on("data", (chunk: Uint8Array) => out += new TextDecoder().decode(chunk));
        stream.stderr.on("data", () => {});
        stream.on("error", () => done(undefined));
        stream.on("close", (code: number) => {
          const sha = /^([0-9a-f]{64})\s/.exec(out)?.[1];
          done(code === 0 ? sha : undefined);
        });
      });
    } catch {
      done(undefined);
    }
  });
}

/** A folder on an SFTP server as binaries location. */
export class SftpDirectorySource implements BinarySource {
  readonly location: string;
  #client: Client;
  #root: string;

  private constructor(location: string, client: Client, root: string) {
    this.location = location;
    this.#client = client;
    this.#root = root;
  }

  /** Connects to `sftp://user@host[:port]/dir`. */
  static async open(uri: string, options: SftpSourceOptions = {}): Promise<SftpDirectorySource> {
    const { client, address } = await connect(uri, options);
    return new SftpDirectorySource(
      redactSftpUri(uri),
      client,
      address.path.replace(/\/+$/, "") || "/",
    );
  }

  #remote(path: string): string {
    return posix.join(this.#root, path);
  }

  async exists(path: string): Promise<boolean> {
    if (unsafePathReason(path)) return false;
    try {
      return (await this.#client.stat(this.#remote(path))).isFile;
    } catch {
      return false;
    }
  }

  async get(path: string): Promise<SourceBinary> {
    assertSafePath(path);
    let size: number;
    try {
      const stat = await this.#client.stat(this.#remote(path));
      if (!stat.isFile) throw new Error("not a file");
      size = stat.size;
    } catch {
      throw new BinaryNotFoundError(`file ${path} does not exist in ${this.location}`);
    }
    const remote = this.#remote(path);
    return {
      path,
      size,
      sha256: await remoteSha256(this.#client, remote),
      contentType: mimeTypeFor(path),
      body: () =>
        lazyStream(() => Promise.resolve(nodeToWeb(this.#client.createReadStream(remote)))),
    };
  }

  async close(): Promise<void> {
    await this.#client.end().catch(() => {});
  }
}

/**
 * Copies the zip at `zip+sftp://user@host/path.zip` to a temporary file and opens it as a {@linkcode ZipSource}; closing removes the copy.
 */
export async function openSftpZipSource(
  uri: string,
  options: SftpSourceOptions = {},
): Promise<ZipSource> {
  const sftpUri = uri.replace(/^zip\+sftp:/i, "sftp:");
  const location = redactSftpUri(sftpUri).replace(/^sftp:/i, "zip+sftp:");
  const { client, address } = await connect(sftpUri, options);
  const dir = await Deno.makeTempDir({ prefix: "plastrond-import-zip-" });
  const copy = posix.join(dir, "binaries.zip");
  try {
    const remote = client.createReadStream(address.path);
    const closed = new Promise<void>((resolve) => remote.once("close", () => resolve()));
    const file = await Deno.open(copy, { write: true, create: true, truncate: true });
    await nodeToWeb(remote).pipeTo(file.writable); // closes the file
    await closed; // the remote handle is closed before the connection ends
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw new BinaryNotFoundError(
      `binaries-location ${location}: cannot read the zip (${(error as Error).message})`,
    );
  } finally {
    await client.end().catch(() => {});
  }
  return await ZipSource.open(
    copy,
    location,
    () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  );
}
