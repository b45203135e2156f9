/**
 * `sftp://user[:password]@host[:port]/path` addresses: parsing (no `.` or
 * `..` segments), redaction of the password for messages and logs, and the
 * `COMMANDS.SFTP_HOSTS` check.
 *
 * @module
 */
import { BadRequestError } from "../errors.ts";

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
