/**
 * Writing the dialect: a record back into cells under a header, and rows into
 * CSV text with `csv-stringify`. What is written reads back as the same
 * record (see `tests/csv/round_trip_test.ts`).
 *
 * @module
 */
import { stringify } from "csv-stringify";
import type { ContentModel } from "../models/types.ts";
import type { FieldValue, RecordValues } from "../models/values.ts";
import { formatPages, type PageGroup } from "./files.ts";
import { planHeader } from "./header.ts";
import { formatIndex } from "./row.ts";
import { formatCell } from "./values.ts";

/** What a row holds besides the record's values. */
export interface RowExtras {
  uri?: string;
  publicUri?: string;
  pages?: readonly PageGroup[];
  itemFiles?: readonly string[];
}

/** Values of a column with header language `lang`, or the rest when `lang` is absent. */
function forColumn(
  values: readonly FieldValue[],
  lang: string | undefined,
  langColumns: Set<string>,
) {
  if (lang !== undefined) {
    return values.filter((v) => v.lang === lang).map((v) => ({ ...v, lang: undefined }));
  }
  return values.filter((v) => v.lang === undefined || !langColumns.has(v.lang));
}

/**
 * The cells of one row under `header` (e.g. {@linkcode exportHeader}'s):
 * multi-values joined with `|`, embedded objects with `;` and their
 * fragments in `INDEX`.
 *
 * @throws {Error} when `header` has a column the model does not know.
 */
export function recordToCells(
  model: ContentModel,
  header: readonly string[],
  record: RecordValues,
  extras: RowExtras = {},
): string[] {
  const plan = planHeader(model, header);
  if (plan.errors.length) throw new Error(plan.errors.join(" "));
  const langColumns = new Map<string, Set<string>>();
  for (const c of plan.columns) {
    if ((c.role === "field" || c.role === "embedded") && c.lang !== undefined) {
      const key = c.role === "field" ? c.field.name : `${c.field.name}/${c.column.label}`;
      langColumns.set(key, (langColumns.get(key) ?? new Set()).add(c.lang));
    }
  }
  const index = new Map<string, string>();
  for (const field of model.fields) {
    if (field.kind !== "embedded") continue;
    (record.objects[field.name] ?? []).forEach((object, i) => {
      if (object.fragment !== undefined) index.set(`${field.name}[${i}]`, object.fragment);
    });
  }
  return plan.columns.map((column) => {
    switch (column.role) {
      case "ignored":
        return "";
      case "system":
        switch (column.name) {
          case "URI":
            return extras.uri ?? "";
          case "PUBLIC URI":
            return extras.publicUri ?? "";
          case "INDEX":
            return formatIndex(index);
          case "FILES":
            return formatPages(extras.pages ?? []);
          case "ITEM_FILES":
            return (extras.itemFiles ?? []).join(";");
          default:
            return "";
        }
      case "field": {
        const values = record.fields[column.field.name] ?? [];
        return formatCell(
          forColumn(values, column.lang, langColumns.get(column.field.name) ?? new Set()),
        );
      }
      case "embedded": {
        const objects = record.objects[column.field.name] ?? [];
        const langs = langColumns.get(`${column.field.name}/${column.column.label}`) ?? new Set();
        const parts = objects.map((o) =>
          formatCell(forColumn(o.columns[column.column.label] ?? [], column.lang, langs), true)
        );
        return parts.every((p) => p === "") ? "" : parts.join(";");
      }
    }
  });
}

/**
 * CSV text of `rows` (header first), RFC 4180, LF line ends, quoting only
 * where needed.
 */
export function formatCsv(rows: readonly (readonly string[])[]): Promise<string> {
  return new Promise((resolve, reject) => {
    stringify(rows as string[][], { record_delimiter: "unix" }, (error, output) => {
      if (error) reject(error);
      else resolve(output ?? "");
    });
  });
}

/**
 * A stream of CSV text for rows that arrive one by one (for large exports):
 * write each row as it comes, memory stays flat.
 */
export function csvTextStream(
  rows: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
): ReadableStream<string> {
  const stringifier = stringify({ record_delimiter: "unix" });
  (async () => {
    try {
      for await (const row of rows) {
        if (!stringifier.write(row)) {
          await new Promise<void>((resolve) => stringifier.once("drain", () => resolve()));
        }
      }
      stringifier.end();
    } catch (error) {
      stringifier.destroy(error as Error);
    }
  })();
  return ReadableStream.from(stringifier as AsyncIterable<string | Uint8Array>).pipeThrough(
    new TransformStream<string | Uint8Array, string>({
      transform(chunk, controller) {
        controller.enqueue(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
      },
    }),
  );
}
