/**
 * The secret values of a configuration, to register with the logger so they
 * never appear in logs.
 *
 * @module
 */
import type { Config } from "./types.ts";

/**
 * Every secret value in `config`: `FEDORA_PASSWORD`, `AUTH_TOKEN`,
 * `JWT_SECRET` and the broker `PASSCODE` (key files are never read here,
 * only named).
 *
 * @example
 * ```ts
 * for (const secret of configSecrets(config)) registerSecret(secret);
 * ```
 */
export function configSecrets(config: Config): string[] {
  const values = [
    config.repository.fedoraPassword,
    config.repository.authToken,
    config.repository.jwtSecret,
    config.broker.passcode,
  ];
  return values.filter((value): value is string => value !== undefined && value !== "");
}
