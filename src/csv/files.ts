/**
 * The `FILES` and `ITEM_FILES` columns: `;`-separated paths relative to the
 * binaries location. `FILES` paths that are equal without their last
 * extension form one page, in order of first appearance; an optional
 * `Label:` prefix on a group's first file names the page.
 *
 * @module
 */

/** One page: its label (when the row labels its pages) and its files in order. */
export interface PageGroup {
  label?: string;
  files: string[];
}

/** The outcome of reading a `FILES` or `ITEM_FILES` cell. */
export interface FileList<T> {
  value: T;
  /** Problems that make the row invalid, each a sentence. */
  problems: string[];
}

/**
 * Why `path` may not be used as a path under the binaries location
 * (absolute, `..`, backslash, control characters), or `undefined` when it is safe.
 */
export function unsafePathReason(path: string): string | undefined {
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "is absolute";
  if (path.includes("\\")) return "contains a backslash; use / between folders";
  if ([...path].some((ch) => ch.charCodeAt(0) < 0x20)) return "contains a control character";
  if (path.split("/").some((segment) => segment === "..")) return "goes up with ..";
  return undefined;
}

function entries(cell: string): string[] {
  return cell.split(";").map((e) => e.trim()).filter((e) => e !== "");
}

function baseName(path: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  return dot > slash + 1 ? path.slice(0, dot) : path;
}

function checkPaths(paths: string[], seen: Set<string>, problems: string[]) {
  for (const path of paths) {
    const reason = unsafePathReason(path);
    if (reason) problems.push(`file ${path} ${reason}`);
    if (seen.has(path)) problems.push(`file ${path} is listed twice`);
    seen.add(path);
  }
}

/**
 * Groups a `FILES` cell into pages.
 *
 * @example
 * ```ts
 * groupPages("a/img-0001.tif;a/img-0001.jpg;a/img-0002.tif").value;
 * // [{ files: ["a/img-0001.tif", "a/img-0001.jpg"] }, { files: ["a/img-0002.tif"] }]
 * ```
 */
export function groupPages(cell: string, seen: Set<string> = new Set()): FileList<PageGroup[]> {
  const problems: string[] = [];
  const groups = new Map<string, PageGroup>();
  const paths: string[] = [];
  for (const entry of entries(cell)) {
    const labelled = /^([^:/]+):(.+)$/.exec(entry);
    const label = labelled ? labelled[1].trim() : undefined;
    const path = labelled ? labelled[2].trim() : entry;
    paths.push(path);
    const key = baseName(path);
    let group = groups.get(key);
    if (!group) {
      group = { files: [] };
      if (label !== undefined) group.label = label;
      groups.set(key, group);
    } else if (label !== undefined) {
      if (group.label === undefined) {
        problems.push(`page of ${path}: a label may only be given on the page's first file`);
      } else if (group.label !== label) {
        problems.push(`page of ${path} has two labels: "${group.label}" and "${label}"`);
      }
    }
    group.files.push(path);
  }
  checkPaths(paths, seen, problems);
  const pages = [...groups.values()];
  const labelled = pages.filter((p) => p.label !== undefined).length;
  if (labelled > 0 && labelled < pages.length) {
    problems.push("either every page in FILES has a label or none has");
  }
  return { value: pages, problems };
}

/** Reads an `ITEM_FILES` cell: files attached to the object itself. */
export function itemFiles(cell: string, seen: Set<string> = new Set()): FileList<string[]> {
  const problems: string[] = [];
  const paths = entries(cell);
  checkPaths(paths, seen, problems);
  return { value: paths, problems };
}

/** Writes pages back as a `FILES` cell (labels on each group's first file). */
export function formatPages(pages: readonly PageGroup[]): string {
  return pages.flatMap((page) =>
    page.files.map((
      file,
      i,
    ) => (i === 0 && page.label !== undefined ? `${page.label}:${file}` : file))
  ).join(";");
}
