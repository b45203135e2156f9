/**
 * Names inside the bag: one folder per object (from the last segment of its
 * URI), files under it by their `ebucore:filename`, made safe for every
 * unzip tool and for BagIt manifests, and never colliding.
 *
 * @module
 */

/**
 * A file or folder name with separators, control characters, `%` and
 * leading dots replaced, at most 200 characters.
 *
 * @example
 * ```ts
 * safeName("../a/b%c.tif"); // "___a_b_c.tif"
 * ```
 */
export function safeName(name: string): string {
  // deno-lint-ignore no-control-regex
  let safe = name.normalize("NFC").replace(/[\u0000-\u001f\u007f/\\%:*?"<>|]/g, "_").trim();
  safe = safe.replace(/^\.+/, (dots) => "_".repeat(dots.length));
  if (safe.length > 200) {
    const dot = safe.lastIndexOf(".");
    const ext = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : "";
    safe = safe.slice(0, 200 - ext.length) + ext;
  }
  return safe === "" ? "file" : safe;
}

/** Hands out names that are unique within one scope (case-insensitively). */
export class UniqueNames {
  #used = new Set<string>();

  /** `name`, or `name-2`, `name-3`… (before the extension) when taken. */
  take(name: string): string {
    const dot = name.lastIndexOf(".");
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const ext = dot > 0 ? name.slice(dot) : "";
    let candidate = name;
    for (let n = 2; this.#used.has(candidate.toLowerCase()); n++) {
      candidate = `${stem}-${n}${ext}`;
    }
    this.#used.add(candidate.toLowerCase());
    return candidate;
  }
}

/** The folder name of an object: the last non-empty segment of its URI path. */
export function objectFolderBase(uri: string): string {
  let path: string;
  try {
    path = new URL(uri).pathname;
  } catch {
    path = uri;
  }
  const segments = path.split("/").filter((s) => s !== "");
  const last = segments.pop() ?? "object";
  let decoded: string;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    decoded = last;
  }
  return safeName(decoded);
}

/** The UUID in an object URI (the last one in its path), else its last path segment. */
export function objectUuid(uri: string): string {
  const matches = uri.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi);
  if (matches) return matches[matches.length - 1].toLowerCase();
  return objectFolderBase(uri);
}
