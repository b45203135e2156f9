/**
 * The metadata files of an export, written to temporary files object by
 * object (so memory stays flat however many objects there are) and added to
 * the bag at the end: Turtle (`metadata.ttl`, every object, readable
 * prefixes), N-Triples (`metadata.nt`), JSON-LD (`metadata.jsonld`, expanded
 * form) or CSV (one `<Model>_metadata.csv` per content model, importable again).
 *
 * Serializing is split in two steps: {@linkcode MetadataWriter.prepare} is
 * pure and throws when an object cannot be serialized (so the object fails
 * before any of its binaries is written), {@linkcode MetadataWriter.append}
 * writes what was prepared.
 *
 * @module
 */
import { join } from "node:path";
import type { Quad } from "n3";
import { exportHeader } from "../../csv/header.ts";
import { quadsToRecord } from "../../csv/graph.ts";
import { formatCsv, recordToCells } from "../../csv/write.ts";
import { formatPages, groupPages, type PageGroup } from "../../csv/files.ts";
import { MODELS } from "../../models/registry.ts";
import type { ContentModel } from "../../models/types.ts";
import { iri } from "../../models/prefixes.ts";
import { toNTriples, toTurtle } from "../../rdf/graph.ts";
import { PREFIXES } from "../../rdf/namespaces.ts";
import { toJsonLdNodes } from "./jsonld.ts";
import type { ObjectStructure } from "./structure.ts";

/** The export formats, by their canonical MIME type. */
export type ExportFormat =
  | "text/turtle"
  | "application/n-triples"
  | "application/ld+json"
  | "text/csv";

/** Names a `format` argument may use. */
const FORMAT_ALIASES: Record<string, ExportFormat> = {
  "text/turtle": "text/turtle",
  "turtle": "text/turtle",
  "ttl": "text/turtle",
  "application/n-triples": "application/n-triples",
  "n-triples": "application/n-triples",
  "ntriples": "application/n-triples",
  "nt": "application/n-triples",
  "application/ld+json": "application/ld+json",
  "json-ld": "application/ld+json",
  "jsonld": "application/ld+json",
  "text/csv": "text/csv",
  "csv": "text/csv",
};

/** The format for a `format` argument, or `undefined` when unknown. */
export function parseExportFormat(value: string): ExportFormat | undefined {
  return FORMAT_ALIASES[value.trim().toLowerCase()];
}

/** The accepted `format` values, for messages. */
export function exportFormatNames(): string[] {
  return Object.keys(FORMAT_ALIASES);
}

/** File extension of each format (as reported in the result). */
export const FORMAT_EXTENSIONS: Record<ExportFormat, string> = {
  "text/turtle": ".ttl",
  "application/n-triples": ".nt",
  "application/ld+json": ".jsonld",
  "text/csv": ".csv",
};

/** Where an object's binaries are in the bag (relative to `data/`), by binary URI. */
export type BinaryPaths = ReadonlyMap<string, string>;

/** Per-object details the serializer needs besides the repository's triples. */
export interface ObjectExtras {
  binaryPaths: BinaryPaths;
  /** The `uri-template` filled in, when one was given. */
  publicUri?: string;
}

/** A metadata file ready to go into the bag. */
export interface MetadataFile {
  /** Path relative to `data/`. */
  bagPath: string;
  /** The temporary file holding it. */
  file: string;
  size: number;
}

/** An object's metadata, serialized and ready to append. */
export interface PreparedMetadata {
  /** Which output file it goes to (a key of the writer). */
  target: string;
  /** The first lines of that file, when it is new (CSV header). */
  head: string;
  text: string;
  /** Written before `text` when the file already holds an object (JSON-LD's comma). */
  separator?: string;
  /** Written once after the last object (JSON-LD's closing bracket). */
  tail?: string;
}

/** Writes the metadata of one export. */
export interface MetadataWriter {
  readonly format: ExportFormat;
  /** Serialize one object; throws with a librarian-readable reason when it cannot. */
  prepare(object: ObjectStructure, extras: ObjectExtras): Promise<PreparedMetadata>;
  /** Write what `prepare` made. */
  append(prepared: PreparedMetadata): Promise<void>;
  /** The files written so far (call after the last `append`). */
  files(): Promise<MetadataFile[]>;
}

/**
 * All triples of an object for RDF formats: object, proxies, pages, file
 * descriptions; grouped by subject (the object first, then its hash
 * resources, then the rest in reading order) so each subject is one block.
 */
function allQuads(object: ObjectStructure): Quad[] {
  const quads = [
    ...object.graph,
    ...object.proxyGraph,
    ...object.pages.flatMap((p) => [...p.graph, ...p.files.flatMap((f) => f.graph)]),
    ...object.files.flatMap((f) => f.graph),
  ];
  const bySubject = new Map<string, Quad[]>();
  bySubject.set(object.uri, []);
  for (const q of quads) {
    const list = bySubject.get(q.subject.value);
    if (list) list.push(q);
    else bySubject.set(q.subject.value, [q]);
  }
  const hashes = [...bySubject.keys()].filter((s) => s.startsWith(`${object.uri}#`)).sort();
  const order = [object.uri, ...hashes];
  for (const subject of bySubject.keys()) if (!order.includes(subject)) order.push(subject);
  return order.flatMap((subject) => bySubject.get(subject) ?? []);
}

const PREFIX_LINE = /^@prefix [^\n]*\n/gm;

function turtlePrefixes(): string {
  return Object.entries(PREFIXES).map(([p, ns]) => `@prefix ${p}: <${ns}>.\n`).join("") + "\n";
}

/**
 * The content model of an object: the model whose own types the object has
 * (the most specific when several match).
 */
export function detectModel(types: readonly string[]): ContentModel | undefined {
  const have = new Set(types);
  let best: ContentModel | undefined;
  let bestCount = 0;
  for (const model of Object.values(MODELS)) {
    const own = model.types.map(iri);
    if (own.length > 0 && own.every((t) => have.has(t)) && own.length > bestCount) {
      best = model;
      bestCount = own.length;
    }
  }
  return best;
}

/** Open a metadata writer for `format`, keeping its files under `dir`. */
export function createMetadataWriter(
  format: ExportFormat,
  dir: string,
  options: { exportBinaries: boolean },
): MetadataWriter {
  const written = new Map<string, { file: string; size: number; tail: string }>();
  const encoder = new TextEncoder();
  const write = async (entry: { file: string; size: number }, text: string) => {
    const bytes = encoder.encode(text);
    await Deno.writeFile(entry.file, bytes, { append: true, create: true });
    entry.size += bytes.byteLength;
  };
  const append = async (prepared: PreparedMetadata) => {
    let entry = written.get(prepared.target);
    let text = prepared.text;
    if (!entry) {
      entry = { file: join(dir, `metadata-${written.size}`), size: 0, tail: prepared.tail ?? "" };
      written.set(prepared.target, entry);
      text = prepared.head + text;
    } else {
      text = (prepared.separator ?? "") + text;
    }
    await write(entry, text);
  };
  const files = async () => {
    for (const entry of written.values()) {
      await write(entry, entry.tail);
      entry.tail = "";
    }
    return [...written].map(([bagPath, e]) => ({ bagPath, file: e.file, size: e.size }));
  };

  if (format === "text/turtle" || format === "application/n-triples") {
    const turtle = format === "text/turtle";
    return {
      format,
      prepare(object) {
        const quads = allQuads(object);
        const text = turtle
          ? toTurtle(quads, { ...PREFIXES }).replace(PREFIX_LINE, "").trimStart() + "\n"
          : toNTriples(quads);
        return Promise.resolve({
          target: turtle ? "metadata.ttl" : "metadata.nt",
          head: turtle ? turtlePrefixes() : "",
          text,
        });
      },
      append,
      files,
    };
  }

  if (format === "application/ld+json") {
    let objects = 0;
    return {
      format,
      prepare(object) {
        const nodes = toJsonLdNodes(allQuads(object), `o${objects++}-`);
        return Promise.resolve({
          target: "metadata.jsonld",
          head: "[\n",
          text: nodes.map((node) => JSON.stringify(node, null, 1)).join(",\n"),
          separator: ",\n",
          tail: "\n]\n",
        });
      },
      append,
      files,
    };
  }

  return {
    format,
    async prepare(object, extras) {
      const model = detectModel(object.types);
      if (!model) {
        throw new Error(
          `its types match no content model (${Object.keys(MODELS).join(", ")}); ` +
            "export it as Turtle instead",
        );
      }
      const header = csvHeader(model, options.exportBinaries);
      const { record } = quadsToRecord(model, object.graph, object.uri);
      const pages = filesPages(object, extras.binaryPaths);
      const itemFiles = object.files.map((f) => extras.binaryPaths.get(f.uri)).filter(isString);
      const cells = recordToCells(model, header, record, {
        uri: object.uri,
        publicUri: extras.publicUri,
        pages,
        itemFiles,
      });
      const literal = (p: string) =>
        object.graph.find((q) => q.subject.value === object.uri && q.predicate.value === p)
          ?.object.value ?? "";
      cells[header.indexOf("CREATED")] = literal(PREFIXES.fedora + "created");
      cells[header.indexOf("MODIFIED")] = literal(PREFIXES.fedora + "lastModified");
      return {
        target: `${model.name}_metadata.csv`,
        head: await formatCsv([header]),
        text: await formatCsv([cells]),
      };
    },
    append,
    files,
  };
}

/**
 * The pages of an object's `FILES` cell: the bag paths of each page's
 * exported files, in page order. When any page's title differs from the
 * default an import gives (`Page n`), every page is labelled with its title
 * (`Label:path`, SPEC §6), provided the labelled cell reads back as the
 * same pages (a title with `:`, `/` or `;`, or a page whose files do not
 * share a base name, cannot be written so); otherwise none is.
 */
export function filesPages(object: ObjectStructure, binaryPaths: BinaryPaths): PageGroup[] {
  const pages: PageGroup[] = [];
  let titled = false;
  object.pages.forEach((page, i) => {
    const files = page.files.map((f) => binaryPaths.get(f.uri)).filter(isString);
    const label = page.label?.trim() || `Page ${i + 1}`;
    if (label !== `Page ${i + 1}`) titled = true;
    if (files.length > 0) pages.push({ label, files });
  });
  const unlabelled = pages.map(({ files }) => ({ files }));
  if (!titled) return unlabelled;
  const read = groupPages(formatPages(pages));
  const same = read.problems.length === 0 && read.value.length === pages.length &&
    read.value.every((page, i) =>
      page.label === pages[i].label && page.files.join("\n") === pages[i].files.join("\n")
    );
  return same ? pages : unlabelled;
}

/** The CSV header of an export: the model's columns plus the system columns. */
export function csvHeader(model: ContentModel, exportBinaries: boolean): string[] {
  const header = exportHeader(model, { files: exportBinaries });
  header.splice(1, 0, "PUBLIC URI", "CREATED", "MODIFIED");
  return header;
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}
