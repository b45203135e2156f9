/**
 * Turns a `binaries-location` argument into an open {@linkcode BinarySource}.
 *
 * @module
 */
import { realpath } from "node:fs/promises";
import { resolve, sep } from "node:path";
import type { CommandsConfig } from "../config/types.ts";
import { BadRequestError } from "../errors.ts";
import { type BinarySource, DirectorySource } from "./binary_source.ts";
import { openSftpZipSource, SftpDirectorySource } from "./binary_source_sftp.ts";
import { ZipSource } from "./binary_source_zip.ts";

/**
 * The real path of a local location, which must lie under `root` when one is
 * set (relative paths are taken from `root`).
 *
 * @throws {BadRequestError} when the path is outside `COMMANDS.IMPORT.BINARIES_ROOT`.
 */
export async function confineLocalPath(path: string, root?: string): Promise<string> {
  if (root === undefined) return resolve(path);
  const realRoot = await realpath(resolve(root)).catch(() => resolve(root));
  const target = resolve(realRoot, path);
  const real = await realpath(target).catch(() => target);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new BadRequestError(
      `binaries-location ${path} is outside COMMANDS.IMPORT.BINARIES_ROOT (${root}); ` +
        "put the binaries under it or ask the operator",
    );
  }
  return real;
}

/**
 * Opens `location`: a directory path, `zip:<path>`, `sftp://user@host/dir`
 * or `zip+sftp://user@host/path.zip`. Local paths must lie under
 * `COMMANDS.IMPORT.BINARIES_ROOT` when it is set.
 */
export async function openBinarySource(
  location: string,
  commands: Pick<CommandsConfig, "import" | "sftpHosts" | "knownHosts">,
): Promise<BinarySource> {
  const sftp = {
    privateKeyFile: commands.import.sshPrivateKey,
    knownHostsFile: commands.knownHosts,
    allowedHosts: commands.sftpHosts,
  };
  const trimmed = location.trim();
  if (/^zip\+sftp:\/\//i.test(trimmed)) return await openSftpZipSource(trimmed, sftp);
  if (/^sftp:\/\//i.test(trimmed)) return await SftpDirectorySource.open(trimmed, sftp);
  const root = commands.import.binariesRoot;
  if (/^zip:/i.test(trimmed)) {
    return await ZipSource.open(await confineLocalPath(trimmed.slice(4), root), trimmed);
  }
  const dir = await confineLocalPath(trimmed, root);
  return await DirectorySource.open(dir);
}
