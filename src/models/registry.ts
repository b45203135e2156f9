/**
 * The built-in content models, by name.
 *
 * @module
 */
import { ISSUE } from "./issue.ts";
import { ITEM } from "./item.ts";
import { LETTER } from "./letter.ts";
import { POSTER } from "./poster.ts";
import type { ContentModel } from "./types.ts";

/** Every built-in model, keyed by its `PlastronArg-model` name. */
export const MODELS: Readonly<Record<string, ContentModel>> = {
  Item: ITEM,
  Letter: LETTER,
  Poster: POSTER,
  Issue: ISSUE,
};

/** Names of the built-in models, for messages. */
export function modelNames(): string[] {
  return Object.keys(MODELS);
}

/**
 * The model called `name` (exact, or ignoring case), or `undefined`.
 *
 * @example
 * ```ts
 * getModel("item")?.name; // "Item"
 * ```
 */
export function getModel(name: string): ContentModel | undefined {
  if (Object.hasOwn(MODELS, name)) return MODELS[name];
  const lower = name.toLowerCase();
  return Object.values(MODELS).find((m) => m.name.toLowerCase() === lower);
}
