/**
 * Typed reading of values from a parsed YAML configuration: every read checks
 * the type, substitutes `${NAME}` references and, on a mistake, throws a
 * one-line {@linkcode ConfigError} naming the file, the dotted key and the
 * line.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { type Document, isNode, type LineCounter } from "yaml";
import { ConfigError } from "../errors.ts";
import { type EnvLookup, substituteEnv } from "./substitute.ts";

/** A YAML mapping of the configuration, with where it is. */
export interface ConfigMap {
  /** Key path from the root, e.g. `["MESSAGE_BROKER", "HEARTBEAT"]`. */
  readonly path: readonly string[];
  /** The mapping's entries as plain values. */
  readonly entries: Readonly<Record<string, unknown>>;
}

/** Options of an integer read. */
export interface IntegerOptions {
  /** The value when the key is absent. */
  default: number;
  /** The smallest accepted value. */
  min: number;
  /** The largest accepted value. */
  max?: number;
  /** What the number counts, for messages ("milliseconds"). */
  unit?: string;
}

/** Where the reader gets its text and environment from. */
export interface ConfigReaderSource {
  /** The file name for messages (as the user gave it). */
  displayName: string;
  /** The directory relative paths are resolved against. */
  baseDir: string;
  /** The parsed YAML document. */
  document: Document;
  /** Line positions of the document's text. */
  lineCounter: LineCounter;
  /** Environment variable lookup. */
  env: EnvLookup;
}

/** Reads typed values out of a YAML configuration document. */
export class ConfigReader {
  /** Warnings collected while reading (unknown keys and the like). */
  readonly warnings: string[] = [];
  /** Names of the environment variables referred to, in order of first use. */
  readonly envVars: string[] = [];
  readonly #source: ConfigReaderSource;

  /** Create a reader over a parsed document. */
  constructor(source: ConfigReaderSource) {
    this.#source = source;
  }

  /** The root mapping of the document. Throws when the document is not a mapping. */
  root(): ConfigMap {
    const value: unknown = this.#source.document.toJS();
    if (value === null || value === undefined) {
      throw new ConfigError(
        this.#source.displayName,
        "the file is empty; it needs the sections REPOSITORY and MESSAGE_BROKER",
      );
    }
    if (!isPlainMap(value)) {
      throw new ConfigError(
        this.#source.displayName,
        `expected the sections REPOSITORY, MESSAGE_BROKER (KEY: value pairs) at the top, ` +
          `found ${describe(value)}`,
      );
    }
    return { path: [], entries: value };
  }

  /**
   * Throw a one-line ConfigError for `path`, with the line it is on when
   * known (else the line of the nearest enclosing section).
   */
  fail(path: readonly string[], message: string): never {
    let where = "";
    const line = this.lineOf(path);
    if (line) {
      where = ` (line ${line})`;
    } else {
      for (let depth = path.length - 1; depth > 0; depth--) {
        const sectionLine = this.lineOf(path.slice(0, depth));
        if (sectionLine) {
          where = ` (section starts on line ${sectionLine})`;
          break;
        }
      }
    }
    throw new ConfigError(this.#source.displayName, `${message}${where}`, dotted(path));
  }

  /** Add a warning about `path`. */
  warn(path: readonly string[], message: string): void {
    this.warnings.push(`${this.#source.displayName}: ${dotted(path)}: ${message}`);
  }

  /**
   * Warn about every key of `map` not in `known` (case-sensitive; a key that
   * differs only in case gets a "did you mean" hint).
   */
  checkKeys(map: ConfigMap, known: readonly string[]): void {
    for (const key of Object.keys(map.entries)) {
      if (known.includes(key)) continue;
      const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
      const hint = near ? `; did you mean ${near}?` : "";
      this.warnings.push(
        `${this.#source.displayName}: unknown key ${dotted([...map.path, key])} (ignored${hint})`,
      );
    }
  }

  /** A sub-mapping; `undefined` when absent (or empty) and not required. */
  map(parent: ConfigMap, key: string, required: true, hint?: string): ConfigMap;
  /** An optional sub-mapping; `undefined` when absent or empty. */
  map(parent: ConfigMap, key: string, required?: false, hint?: string): ConfigMap | undefined;
  map(parent: ConfigMap, key: string, required = false, hint = ""): ConfigMap | undefined {
    const path = [...parent.path, key];
    const value = parent.entries[key];
    if (value === undefined || value === null) {
      if (!required) return undefined;
      this.#missing(parent, key, `missing section${hint ? `; ${hint}` : ""}`);
    }
    if (!isPlainMap(value)) {
      this.fail(path, `expected a map (KEY: value pairs), found ${describe(value)}`);
    }
    return { path, entries: value };
  }

  /** A string value with `${NAME}` substituted. */
  string(parent: ConfigMap, key: string, required: true, hint?: string): string;
  /** An optional string value; `undefined` when absent or empty. */
  string(parent: ConfigMap, key: string, required?: false, hint?: string): string | undefined;
  string(parent: ConfigMap, key: string, required = false, hint = ""): string | undefined {
    const path = [...parent.path, key];
    const value = parent.entries[key];
    if (value === undefined || value === null) {
      if (!required) return undefined;
      this.#missing(parent, key, `missing key${hint ? `; ${hint}` : ""}`);
    }
    if (typeof value !== "string") {
      const quote = typeof value === "number" || typeof value === "boolean"
        ? " (put it in quotes if it is meant as text)"
        : "";
      const found = SECRET_KEYS.includes(key) ? `a ${typeof value}` : describe(value);
      this.fail(path, `expected a string, found ${found}${quote}`);
    }
    const text = this.substitute(path, value);
    if (required && text.trim() === "") this.fail(path, `is empty${hint ? `; ${hint}` : ""}`);
    return text;
  }

  /** A path value, resolved against the configuration file's directory. */
  path(parent: ConfigMap, key: string, required: true): string;
  /** An optional path value; `undefined` when absent or empty. */
  path(parent: ConfigMap, key: string, required?: false): string | undefined;
  path(parent: ConfigMap, key: string, required = false): string | undefined {
    const text = required ? this.string(parent, key, true) : this.string(parent, key);
    if (text === undefined || text.trim() === "") return undefined;
    return this.resolvePath(text);
  }

  /** Resolve `text` against the configuration file's directory. */
  resolvePath(text: string): string {
    return isAbsolute(text) ? resolve(text) : resolve(this.#source.baseDir, text);
  }

  /**
   * A whole number. A string is accepted only when it came from `${NAME}`
   * substitution and is all digits.
   */
  integer(parent: ConfigMap, key: string, options: IntegerOptions): number {
    const path = [...parent.path, key];
    const raw = parent.entries[key];
    if (raw === undefined || raw === null) return options.default;
    const unit = options.unit ? ` of ${options.unit}` : "";
    let value: unknown = raw;
    if (typeof raw === "string" && raw.includes("${")) {
      const text = this.substitute(path, raw).trim();
      value = /^-?[0-9]+$/.test(text) ? Number(text) : text;
    }
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.fail(path, `expected a whole number${unit}, found ${describe(value)}`);
    }
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    if (value < options.min || value > max) {
      const range = options.max === undefined
        ? `at least ${options.min}`
        : `between ${options.min} and ${options.max}`;
      this.fail(path, `expected a whole number${unit} ${range}, found ${value}`);
    }
    return value;
  }

  /**
   * A list of strings. A single string (for example from `${NAME}`) is split
   * on commas and white space.
   */
  stringList(parent: ConfigMap, key: string): string[] | undefined {
    const path = [...parent.path, key];
    const value = parent.entries[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") {
      return this.substitute(path, value).split(/[\s,]+/).filter((item) => item !== "");
    }
    if (!Array.isArray(value)) {
      this.fail(path, `expected a list of strings, found ${describe(value)}`);
    }
    return value.map((item, index) => {
      if (typeof item !== "string") {
        this.fail([...path, String(index)], `expected a string, found ${describe(item)}`);
      }
      return this.substitute([...path, String(index)], item).trim();
    });
  }

  /** Every string inside `value` (deeply) with `${NAME}` substituted. */
  substituteDeep(path: readonly string[], value: unknown): unknown {
    if (typeof value === "string") return this.substitute(path, value);
    if (Array.isArray(value)) {
      return value.map((item, index) => this.substituteDeep([...path, String(index)], item));
    }
    if (isPlainMap(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] = this.substituteDeep([...path, key], item);
      }
      return out;
    }
    return value;
  }

  /** Substitute `${NAME}` references in one string value. */
  substitute(path: readonly string[], text: string): string {
    let result;
    try {
      result = substituteEnv(text, this.#source.env);
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        const name = /"([^"]+)"/.exec(error.message)?.[1] ?? "the variable";
        this.fail(
          path,
          `reading environment variable ${name} is not permitted; run with --allow-env=${name}`,
        );
      }
      throw error;
    }
    for (const name of result.names) {
      if (!this.envVars.includes(name)) this.envVars.push(name);
    }
    if (!result.ok) {
      this.fail(
        path,
        `environment variable ${result.missing} is not set; ` +
          `set it or replace \${${result.missing}} in the value`,
      );
    }
    return result.value;
  }

  /** The 1-based line of the value at `path`, if the document knows it. */
  lineOf(path: readonly string[]): number | undefined {
    if (path.length === 0) return undefined;
    const keys = path.map((key) => /^[0-9]+$/.test(key) ? Number(key) : key);
    const node = this.#source.document.getIn(keys, true);
    if (!isNode(node) || !node.range) return undefined;
    const line = this.#source.lineCounter.linePos(node.range[0]).line;
    return line > 0 ? line : undefined;
  }

  #missing(parent: ConfigMap, key: string, message: string): never {
    this.fail([...parent.path, key], message);
  }
}

/** Keys whose values are never shown in messages. */
export const SECRET_KEYS: readonly string[] = [
  "FEDORA_PASSWORD",
  "PASSCODE",
  "AUTH_TOKEN",
  "JWT_SECRET",
];

/** `true` for a plain YAML mapping (not a list, not null). */
export function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date) && !(value instanceof Map) && !(value instanceof Set) &&
    !(value instanceof Uint8Array);
}

/** A short description of a value's YAML type and content, for messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing (an empty value)";
  if (typeof value === "string") return `a string (${JSON.stringify(shorten(value))})`;
  if (typeof value === "number") return `a number (${value})`;
  if (typeof value === "boolean") return `a boolean (${value})`;
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  if (isPlainMap(value)) return `a map (${shorten(Object.keys(value).join(", "))})`;
  return `a ${typeof value}`;
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Join a key path with dots: `MESSAGE_BROKER.HEARTBEAT.SEND`. */
export function dotted(path: readonly string[]): string {
  return path.join(".");
}
