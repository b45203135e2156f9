/**
 * Turn an `output-dest` argument into an open {@linkcode ExportDestination}:
 * `sftp://…` goes to {@linkcode openSftpDestination}, anything else is a
 * local path checked against `COMMANDS.EXPORT.OUTPUT_ROOT`.
 *
 * @module
 */
import type { CommandsConfig } from "../config/types.ts";
import type { ExportDestination } from "./destination.ts";
import { openLocalDestination, resolveLocalExportPath } from "./local.ts";
import { isSftpUri, openSftpDestination } from "./sftp.ts";

/**
 * Open the destination named by `dest` under the rules of `commands`.
 *
 * @throws {import("../errors.ts").BadRequestError} when `dest` is refused.
 */
export async function openExportDestination(
  dest: string,
  commands: Pick<CommandsConfig, "export" | "sftpHosts" | "knownHosts">,
): Promise<ExportDestination> {
  if (isSftpUri(dest)) {
    return await openSftpDestination(dest, {
      privateKeyFile: commands.export.sshPrivateKey,
      knownHostsFile: commands.knownHosts,
      allowedHosts: commands.sftpHosts,
    });
  }
  const path = await resolveLocalExportPath(dest, commands.export.outputRoot);
  return await openLocalDestination(path);
}
