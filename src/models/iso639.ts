/**
 * ISO 639 language code lookups over the bundled list.
 *
 * @module
 */
import { ISO_639 } from "./iso639_data.ts";

const CODES = new Set<string>();
const BY_NAME = new Map<string, string>();
for (const [alpha3, alpha2, bibliographic, name] of ISO_639) {
  CODES.add(alpha3);
  if (alpha2) CODES.add(alpha2);
  if (bibliographic) CODES.add(bibliographic);
  for (const part of name.split(";")) {
    const key = part.trim().toLowerCase();
    if (!BY_NAME.has(key)) BY_NAME.set(key, alpha2 || alpha3);
  }
}

/**
 * Whether `code` is an ISO 639-1 or ISO 639-2 code (lower case, as written in
 * records; `en`, `eng`, `fre` and `fra` are all codes).
 */
export function isIso639Code(code: string): boolean {
  return CODES.has(code);
}

/**
 * The language tag for an English language name (`Japanese` → `ja`), or
 * `undefined`. The two-letter code is preferred.
 */
export function languageTagForName(name: string): string | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}
