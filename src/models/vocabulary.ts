/**
 * Controlled vocabularies: a local Turtle file or a URL whose terms (the
 * subjects it describes) are the values a field may take. Loaded once per
 * source and cached.
 *
 * @module
 */
import { Parser } from "n3";

/** The IRIs of a vocabulary's terms. */
export type Vocabulary = ReadonlySet<string>;

/** Loads vocabularies and keeps them for later calls. */
export class VocabularyCache {
  #loaded = new Map<string, Promise<Vocabulary>>();
  #fetch: typeof fetch;

  /** @param fetcher used for URL sources (defaults to the global `fetch`). */
  constructor(fetcher: typeof fetch = fetch) {
    this.#fetch = fetcher;
  }

  /**
   * The terms of `source` (an `http(s)://` URL or a Turtle file path). A
   * failure is not cached, so a later job tries again.
   */
  load(source: string): Promise<Vocabulary> {
    let entry = this.#loaded.get(source);
    if (!entry) {
      entry = this.#read(source);
      entry.catch(() => this.#loaded.delete(source));
      this.#loaded.set(source, entry);
    }
    return entry;
  }

  async #read(source: string): Promise<Vocabulary> {
    let text: string;
    const isUrl = /^https?:\/\//.test(source);
    try {
      if (isUrl) {
        const response = await this.#fetch(source, {
          headers: { Accept: "text/turtle, application/n-triples;q=0.9" },
        });
        if (!response.ok) {
          await response.body?.cancel();
          throw new Error(`HTTP ${response.status}`);
        }
        text = await response.text();
      } else {
        text = await Deno.readTextFile(source);
      }
    } catch (error) {
      throw new Error(
        `Cannot read the vocabulary ${source} (${(error as Error).message}); ` +
          `check the vocabulary setting of the field or that the vocabulary is reachable.`,
      );
    }
    const terms = new Set<string>();
    try {
      const quads = new Parser({ baseIRI: isUrl ? source : undefined }).parse(text);
      for (const quad of quads) {
        if (quad.subject.termType === "NamedNode") terms.add(quad.subject.value);
      }
    } catch (error) {
      throw new Error(`The vocabulary ${source} is not valid Turtle: ${(error as Error).message}`);
    }
    return terms;
  }
}
