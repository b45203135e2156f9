/**
 * `${NAME}` substitution in configuration values.
 *
 * Every string value of the configuration file may refer to environment
 * variables as `${NAME}`; `$${` stands for a literal `${`.
 *
 * @module
 */

/** Looks up one environment variable; `undefined` when it is not set. */
export type EnvLookup = (name: string) => string | undefined;

/** The outcome of {@linkcode substituteEnv}. */
export type SubstitutionResult =
  | {
    ok: true;
    /** The string with every reference replaced. */
    value: string;
    /** Names of the variables the string referred to, in order of appearance. */
    names: string[];
  }
  | {
    ok: false;
    /** The first variable that is not set. */
    missing: string;
    /** Names of the variables the string referred to up to the missing one. */
    names: string[];
  };

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replace every `${NAME}` in `text` with the variable's value from `env`.
 * `$${` is kept as a literal `${`. Anything else (a lone `$`, `${1X}`) is
 * left as written.
 *
 * @example
 * ```ts
 * const result = substituteEnv("${HOST}:61613", (n) => ({ HOST: "mq" })[n]);
 * // result: { ok: true, value: "mq:61613", names: ["HOST"] }
 * ```
 */
export function substituteEnv(text: string, env: EnvLookup): SubstitutionResult {
  const names: string[] = [];
  let missing: string | undefined;
  const value = text.replace(REFERENCE, (match: string, name: string | undefined) => {
    if (name === undefined) return "${";
    if (missing !== undefined) return match;
    names.push(name);
    const found = env(name);
    if (found === undefined) {
      missing = name;
      return match;
    }
    return found;
  });
  if (missing !== undefined) return { ok: false, missing, names };
  return { ok: true, value, names };
}
