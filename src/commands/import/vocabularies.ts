/**
 * Controlled vocabularies switched on per field by the site's configuration
 * (SPEC §6: the bundled models tie no field to a vocabulary):
 *
 * ```yaml
 * COMMANDS:
 *   IMPORT:
 *     VOCABULARIES:
 *       Item:
 *         rights: https://vocab.example.edu/rightsStatement.ttl   # by field name
 *         Object Type: vocab/types.ttl                         # or header label; relative to the config file
 * ```
 *
 * Vocabularies are loaded once per daemon and cached.
 *
 * @module
 */
import type { Config } from "../../config/types.ts";
import type { ContentModel, FieldDefinition } from "../../models/types.ts";
import { type Vocabulary, VocabularyCache } from "../../models/vocabulary.ts";

const CACHE = new VocabularyCache();

/**
 * `model` with the vocabularies the configuration names for it; unknown
 * field names are errors (a misspelt key would silently check nothing).
 */
export function withConfiguredVocabularies(model: ContentModel, config: Config): ContentModel {
  const perModel = config.commands.import.vocabularies?.[model.name];
  if (!perModel) return model;
  const fields = [...model.fields] as FieldDefinition[];
  for (const [key, source] of Object.entries(perModel)) {
    const index = fields.findIndex((f) => f.name === key || f.label === key);
    const field = fields[index];
    if (!field || field.kind === "embedded") {
      throw new Error(
        `COMMANDS.IMPORT.VOCABULARIES.${model.name}.${key}: ` +
          (!field
            ? `the ${model.name} model has no such field`
            : "an embedded field cannot take a vocabulary") +
          "; fix the configuration",
      );
    }
    fields[index] = { ...field, vocabulary: source };
  }
  return { ...model, fields };
}

/** Loads every vocabulary `model` refers to (cached across jobs). */
export async function loadVocabularies(model: ContentModel): Promise<Map<string, Vocabulary>> {
  const loaded = new Map<string, Vocabulary>();
  for (const field of model.fields) {
    if (
      field.kind !== "embedded" && field.vocabulary !== undefined && !loaded.has(field.vocabulary)
    ) {
      loaded.set(field.vocabulary, await CACHE.load(field.vocabulary));
    }
  }
  return loaded;
}
