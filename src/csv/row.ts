/**
 * One data row → its record values, files and embedded-object fragments, with
 * the row-level problems SPEC §6 names (too many cells, a bad `INDEX`, a file
 * listed twice…) and the short-row warning.
 *
 * @module
 */
import { isAbsoluteIri, type RuleOutcome } from "../models/validate.ts";
import type { EmbeddedObject, FieldValue, RecordValues } from "../models/values.ts";
import { groupPages, itemFiles, type PageGroup } from "./files.ts";
import type { HeaderPlan } from "./header.ts";
import { parseCell, splitEscaped } from "./values.ts";

/** A data row read against a header plan. */
export interface ParsedRow {
  /** Physical line on which the row starts. */
  line: number;
  /** The `URI` cell: the existing object this row updates. */
  uri?: string;
  values: RecordValues;
  /** Pages from `FILES`, in order. */
  pages: PageGroup[];
  /** Files from `ITEM_FILES`. */
  itemFiles: string[];
  /** Row-level problems (the row is invalid when there is any). */
  problems: RuleOutcome[];
  warnings: string[];
  /** True when the row had more cells than the header: nothing else was read. */
  tooManyCells: boolean;
}

/** Parses an `INDEX` cell: `creator[0]=#alpha;subject[1]=#beta`. */
export function parseIndex(
  cell: string,
  fieldNames: ReadonlySet<string>,
): { entries: Map<string, string>; problems: string[] } {
  const entries = new Map<string, string>();
  const problems: string[] = [];
  for (const part of cell.split(";").map((p) => p.trim()).filter((p) => p !== "")) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]\s*=\s*#?([^\s#]+)$/.exec(part);
    if (!m) {
      problems.push(`INDEX entry "${part}" is not of the form field[0]=#fragment`);
      continue;
    }
    if (!fieldNames.has(m[1])) {
      problems.push(`INDEX entry "${part}" names no embedded field of the model`);
      continue;
    }
    entries.set(`${m[1]}[${Number(m[2])}]`, m[3]);
  }
  return { entries, problems };
}

/** Formats `INDEX` entries back into a cell. */
export function formatIndex(entries: ReadonlyMap<string, string>): string {
  return [...entries].map(([key, fragment]) => `${key}=#${fragment}`).join(";");
}

/**
 * Reads one data row. Missing trailing cells are read as empty with a
 * warning; a row with more cells than the header is reported with that one
 * problem only.
 */
export function parseRow(plan: HeaderPlan, line: number, cells: readonly string[]): ParsedRow {
  const headerLength = plan.columns.length;
  const row: ParsedRow = {
    line,
    values: { fields: {}, objects: {} },
    pages: [],
    itemFiles: [],
    problems: [],
    warnings: [],
    tooManyCells: false,
  };
  if (cells.length > headerLength) {
    row.tooManyCells = true;
    row.problems.push([
      "row",
      "failed",
      "column_count",
      `${cells.length} cells but the header has ${headerLength}; ` +
      `quote values that contain a comma`,
    ]);
    return row;
  }
  if (cells.length < headerLength) {
    const missing = headerLength - cells.length;
    row.warnings.push(
      `line ${line} has ${cells.length} cells, the header ${headerLength}; ` +
        `the last ${missing === 1 ? "cell was" : `${missing} cells were`} read as empty`,
    );
  }
  const problem = (field: string, rule: string, arg: unknown) =>
    row.problems.push([field, "failed", rule, arg]);
  const embeddedNames = new Set(
    plan.model.fields.filter((f) => f.kind === "embedded").map((f) => f.name),
  );
  // Embedded objects by field name, positionally, before dropping empty ones.
  const positional = new Map<string, EmbeddedObject[]>();
  let indexCell = "";
  const seenFiles = new Set<string>();
  for (const column of plan.columns) {
    const cell = cells[column.index] ?? "";
    switch (column.role) {
      case "ignored":
        break;
      case "system":
        if (column.name === "URI") {
          const uri = cell.trim();
          if (uri !== "") {
            if (isAbsoluteIri(uri)) row.uri = uri;
            else problem("URI", "uri", uri);
          }
        } else if (column.name === "INDEX") {
          indexCell = cell;
        } else if (column.name === "FILES") {
          const { value, problems } = groupPages(cell, seenFiles);
          row.pages = value;
          for (const p of problems) problem("FILES", "files", p);
        } else if (column.name === "ITEM_FILES") {
          const { value, problems } = itemFiles(cell, seenFiles);
          row.itemFiles = value;
          for (const p of problems) problem("ITEM_FILES", "files", p);
        }
        break;
      case "field": {
        const values = parseCell(cell, {
          lang: column.lang,
          datatype: column.datatype,
          isUri: column.field.kind === "uri",
        });
        if (values.length) (row.values.fields[column.field.name] ??= []).push(...values);
        break;
      }
      case "embedded": {
        const objects = positional.get(column.field.name) ?? [];
        positional.set(column.field.name, objects);
        const parts = cell.trim() === "" ? [] : splitEscaped(cell, ";");
        parts.forEach((part, i) => {
          const values: FieldValue[] = parseCell(part, {
            lang: column.lang,
            datatype: column.datatype,
            isUri: column.column.kind === "uri",
          });
          objects[i] ??= { columns: {} };
          if (values.length) (objects[i].columns[column.column.label] ??= []).push(...values);
        });
        break;
      }
    }
  }
  const { entries, problems } = parseIndex(indexCell, embeddedNames);
  for (const p of problems) problem("INDEX", "index", p);
  const used = new Set(entries.values());
  for (const [name, objects] of positional) {
    const kept: EmbeddedObject[] = [];
    for (let i = 0; i < objects.length; i++) {
      const object = objects[i] ?? { columns: {} };
      const empty = Object.values(object.columns).every((v) => v.length === 0);
      const given = entries.get(`${name}[${i}]`);
      if (empty) {
        if (given !== undefined) {
          problem(name, "index", `INDEX names ${name}[${i}] but that object is empty`);
        }
        continue;
      }
      let fragment = given;
      if (fragment === undefined) {
        fragment = `${name}-${i}`;
        for (let n = 1; used.has(fragment); n++) fragment = `${name}-${i}-${n}`;
        used.add(fragment);
      }
      kept.push({ fragment, columns: object.columns });
    }
    if (kept.length > 0) row.values.objects[name] = kept;
  }
  const fragments = Object.values(row.values.objects).flat().map((o) => o.fragment);
  if (new Set(fragments).size !== fragments.length) {
    problem("INDEX", "index", "two embedded objects share one fragment");
  }
  return row;
}
