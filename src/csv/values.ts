/**
 * Cells ↔ values in the Plastron CSV dialect (SPEC §6): several values of a
 * field separated by `|` (a literal `|` written `\|`, a literal backslash
 * `\\`), several embedded objects separated by `;` (a literal `;` in an
 * embedded field written `\;`), values trimmed, empty values dropped, line
 * breaks kept as LF, and `[@lang]` tags on single values.
 *
 * @module
 */
import type { FieldValue } from "../models/values.ts";

const ESCAPABLE = new Set(["|", "\\", ";"]);
const LANG_TAG = /^\[@([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)\]/;

/**
 * Splits `text` on every `separator` not preceded by a backslash escape; the
 * parts keep their escapes (so they can be split again or unescaped).
 *
 * @example
 * ```ts
 * splitEscaped("a\\;b;c", ";"); // ["a\\;b", "c"]
 * ```
 */
export function splitEscaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && i + 1 < text.length && ESCAPABLE.has(text[i + 1])) {
      current += ch + text[i + 1];
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** Resolves `\|`, `\\` and `\;`; any other backslash is kept as written. */
export function unescapeValue(text: string): string {
  return text.replace(/\\([|\\;])/g, "$1");
}

/** Escapes `\` and `|` (and `;` when `inEmbedded`) so that a value reads back as itself. */
export function escapeValue(value: string, inEmbedded: boolean): string {
  const escaped = value.replace(/\\/g, "\\\\").replace(/\|/g, "\\|");
  return inEmbedded ? escaped.replace(/;/g, "\\;") : escaped;
}

/** How a column types its values. */
export interface CellTyping {
  /** Language tag from the header (`Title [ja]`). */
  lang?: string;
  /** Datatype IRI from the header or the model. */
  datatype?: string;
  /** URI columns take no language tag or datatype. */
  isUri?: boolean;
}

/**
 * The values of one cell (or one embedded object's part of a cell).
 *
 * @example
 * ```ts
 * parseCell("The Trial|[@de]Der Proceß", {});
 * // [{ value: "The Trial" }, { value: "Der Proceß", lang: "de" }]
 * ```
 */
export function parseCell(text: string, typing: CellTyping = {}): FieldValue[] {
  const values: FieldValue[] = [];
  for (const part of splitEscaped(text.replace(/\r\n?/g, "\n"), "|")) {
    let value = unescapeValue(part).trim();
    let lang = typing.lang;
    const tagged = LANG_TAG.exec(value);
    if (tagged && !typing.isUri) {
      lang = tagged[1].toLowerCase();
      value = value.slice(tagged[0].length).trim();
    }
    if (value === "") continue;
    if (typing.isUri) values.push({ value });
    else if (lang !== undefined) values.push({ value, lang });
    else if (typing.datatype !== undefined) values.push({ value, datatype: typing.datatype });
    else values.push({ value });
  }
  return values;
}

/**
 * Writes values as one cell: language-tagged values carry an inline `[@lang]`
 * tag; the result reads back through {@linkcode parseCell} as the same values.
 */
export function formatCell(values: readonly FieldValue[], inEmbedded = false): string {
  return values.map((v) => (v.lang ? `[@${v.lang}]` : "") + escapeValue(v.value, inEmbedded))
    .join("|");
}
