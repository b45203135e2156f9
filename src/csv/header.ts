/**
 * The header row: which column holds which field, with language tags
 * (`Title [ja]`, `Title [Japanese]`) and datatypes (`Date {EDTF}`,
 * `Date {xsd:date}`). An unknown header refuses the whole job.
 *
 * @module
 */
import { isIso639Code, languageTagForName } from "../models/iso639.ts";
import { expandCurie } from "../models/prefixes.ts";
import type { ContentModel, EmbeddedColumn, EmbeddedField, SimpleField } from "../models/types.ts";

/** The system columns of SPEC §6. */
export const SYSTEM_COLUMNS = [
  "URI",
  "PUBLIC URI",
  "CREATED",
  "MODIFIED",
  "INDEX",
  "FILES",
  "ITEM_FILES",
] as const;

/** One of {@linkcode SYSTEM_COLUMNS}. */
export type SystemColumn = typeof SYSTEM_COLUMNS[number];

/** What one column of the CSV holds. */
export type ColumnPlan =
  | { index: number; header: string; role: "system"; name: SystemColumn }
  | { index: number; header: string; role: "ignored" }
  | {
    index: number;
    header: string;
    role: "field";
    field: SimpleField;
    lang?: string;
    datatype?: string;
  }
  | {
    index: number;
    header: string;
    role: "embedded";
    field: EmbeddedField;
    column: EmbeddedColumn;
    lang?: string;
    datatype?: string;
  };

/** The reading of a header row. */
export interface HeaderPlan {
  model: ContentModel;
  columns: ColumnPlan[];
  /** Problems that refuse the whole job (unknown or repeated columns…). */
  errors: string[];
}

/** Splits `Title [ja] {xsd:string}` into its label, `[..]` and `{..}` parts. */
function splitHeader(header: string): { label: string; lang?: string; datatype?: string } {
  let label = header.trim();
  let lang: string | undefined;
  let datatype: string | undefined;
  for (;;) {
    const m = /\s*(\[([^\]]*)\]|\{([^}]*)\})$/.exec(label);
    if (!m || m.index === 0) break;
    if (m[2] !== undefined && lang === undefined) lang = m[2].trim();
    else if (m[3] !== undefined && datatype === undefined) datatype = m[3].trim();
    else break;
    label = label.slice(0, m.index).trim();
  }
  return { label, lang, datatype };
}

function resolveLang(text: string): string | undefined {
  const lower = text.toLowerCase();
  if (/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/.test(lower) && isIso639Code(lower.split("-")[0])) {
    return lower;
  }
  return languageTagForName(text);
}

function resolveDatatype(text: string): string | undefined {
  if (/^https?:\/\//.test(text)) return text;
  return expandCurie(text);
}

/**
 * Reads the header row against `model`.
 *
 * @example
 * ```ts
 * import { ITEM } from "../models/item.ts";
 * planHeader(ITEM, ["Identifier", "Colour Of Cover"]).errors;
 * // ['Unknown column "Colour Of Cover" for the Item model; …']
 * ```
 */
export function planHeader(model: ContentModel, headers: readonly string[]): HeaderPlan {
  const errors: string[] = [];
  const columns: ColumnPlan[] = [];
  const byLabel = new Map<
    string,
    { field: SimpleField } | { field: EmbeddedField; column: EmbeddedColumn }
  >();
  for (const field of model.fields) {
    if (field.kind === "embedded") {
      for (const column of field.columns) byLabel.set(column.label, { field, column });
    } else {
      byLabel.set(field.label, { field });
    }
  }
  const seen = new Set<string>();
  headers.forEach((raw, index) => {
    const header = raw.trim();
    if (header === "") {
      columns.push({ index, header, role: "ignored" });
      return;
    }
    if (seen.has(header)) errors.push(`Column "${header}" appears twice in the header.`);
    seen.add(header);
    if ((SYSTEM_COLUMNS as readonly string[]).includes(header)) {
      columns.push({ index, header, role: "system", name: header as SystemColumn });
      return;
    }
    const { label, lang: langText, datatype: datatypeText } = splitHeader(header);
    const target = byLabel.get(label);
    if (!target) {
      errors.push(
        `Unknown column "${header}" for the ${model.name} model; rename it to one of the model's ` +
          `columns (${[...byLabel.keys()].join(", ")}) or remove it.`,
      );
      return;
    }
    let lang: string | undefined;
    if (langText !== undefined) {
      lang = resolveLang(langText);
      if (lang === undefined) {
        errors.push(`Column "${header}": "${langText}" is not a known language code or name.`);
      }
    }
    let datatype: string | undefined;
    if (datatypeText !== undefined) {
      datatype = resolveDatatype(datatypeText);
      if (datatype === undefined) {
        errors.push(
          `Column "${header}": "${datatypeText}" is not a known datatype (e.g. EDTF, xsd:date).`,
        );
      }
    }
    const kind = "column" in target ? target.column.kind : target.field.kind;
    if (kind === "uri" && (lang !== undefined || datatype !== undefined)) {
      errors.push(`Column "${header}" holds URIs; it takes no language or datatype.`);
    }
    if ("column" in target) {
      datatype ??= target.column.datatype && resolveDatatype(target.column.datatype);
      columns.push({
        index,
        header,
        role: "embedded",
        field: target.field,
        column: target.column,
        lang,
        datatype,
      });
    } else {
      datatype ??= target.field.datatype && resolveDatatype(target.field.datatype);
      columns.push({ index, header, role: "field", field: target.field, lang, datatype });
    }
  });
  return { model, columns, errors };
}

/**
 * The header an export writes for `model`: `URI`, every field's column(s) in
 * model order, then `INDEX`; with `files`, `FILES` and `ITEM_FILES` too.
 */
export function exportHeader(model: ContentModel, options: { files?: boolean } = {}): string[] {
  const header = ["URI"];
  for (const field of model.fields) {
    if (field.kind === "embedded") header.push(...field.columns.map((c) => c.label));
    else header.push(field.label);
  }
  header.push("INDEX");
  if (options.files) header.push("FILES", "ITEM_FILES");
  return header;
}
