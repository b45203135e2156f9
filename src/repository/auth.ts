/**
 * Authentication for repository requests: static bearer token, HS256 JWT
 * minted (and re-minted before it expires), TLS client certificate, or HTTP
 * Basic — in that order of precedence (SPEC §2). Also builds the TLS
 * `Deno.HttpClient` (client certificate, `SERVER_CERT` CA, pool size).
 *
 * @module
 */
import { SignJWT } from "jose";
import type { RepositoryConfig } from "../config/types.ts";

/** Which kind of authentication the configuration selects. */
export type AuthKind = "token" | "jwt" | "client-cert" | "basic" | "none";

/** The `Authorization` header for each request. */
export interface AuthProvider {
  /** The selected kind. */
  readonly kind: AuthKind;
  /** The `Authorization` header value, or `undefined` when none is sent. */
  authorization(): Promise<string | undefined>;
}

/** Lifetime of a minted JWT, in seconds. */
export const JWT_LIFETIME_SECONDS = 300;
/** A minted JWT is replaced this many seconds before it expires. */
export const JWT_REFRESH_MARGIN_SECONDS = 60;

/** Picks the authentication kind the configuration asks for. */
export function authKind(config: RepositoryConfig): AuthKind {
  if (config.authToken) return "token";
  if (config.jwtSecret) return "jwt";
  if (config.clientCert && config.clientKey) return "client-cert";
  if (config.fedoraUser !== undefined && config.fedoraPassword !== undefined) return "basic";
  return "none";
}

/** Mints a JWT (HS256) with the claims the original Plastron uses. */
export async function mintJwt(
  secret: string,
  subject: string,
  lifetimeSeconds = JWT_LIFETIME_SECONDS,
  now: number = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  return await new SignJWT({ role: "fedoraAdmin" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(subject)
    .setIssuer("plastron")
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetimeSeconds)
    .sign(new TextEncoder().encode(secret));
}

/** A JWT provider that keeps one token and mints a new one shortly before it expires. */
class JwtAuth implements AuthProvider {
  readonly kind = "jwt" as const;
  #token?: string;
  #expiresAt = 0;
  #secret: string;
  #subject: string;
  #clock: () => number;

  constructor(secret: string, subject: string, clock: () => number) {
    this.#secret = secret;
    this.#subject = subject;
    this.#clock = clock;
  }

  async authorization(): Promise<string> {
    const now = this.#clock();
    if (!this.#token || now >= this.#expiresAt - JWT_REFRESH_MARGIN_SECONDS * 1000) {
      this.#token = await mintJwt(this.#secret, this.#subject, JWT_LIFETIME_SECONDS, now);
      this.#expiresAt = Math.floor(now / 1000) * 1000 + JWT_LIFETIME_SECONDS * 1000;
    }
    return `Bearer ${this.#token}`;
  }
}

/**
 * Makes the {@link AuthProvider} for a configuration.
 *
 * @param subject the JWT `sub` claim (the delegated user, else `plastrond`)
 * @param clock milliseconds since the epoch; tests pass a fake clock
 */
export function createAuthProvider(
  config: RepositoryConfig,
  subject = "plastrond",
  clock: () => number = Date.now,
): AuthProvider {
  const kind = authKind(config);
  switch (kind) {
    case "token": {
      const value = `Bearer ${config.authToken}`;
      return { kind, authorization: () => Promise.resolve(value) };
    }
    case "jwt":
      return new JwtAuth(config.jwtSecret!, subject, clock);
    case "basic": {
      const bytes = new TextEncoder().encode(`${config.fedoraUser}:${config.fedoraPassword}`);
      const value = `Basic ${btoa(String.fromCharCode(...bytes))}`;
      return { kind, authorization: () => Promise.resolve(value) };
    }
    default:
      return { kind, authorization: () => Promise.resolve(undefined) };
  }
}

/**
 * Builds the `Deno.HttpClient` for the repository: TLS client certificate
 * and key, the `SERVER_CERT` CA, and the connection pool size.
 * Reads the PEM files named in the configuration.
 */
export async function createHttpClient(
  config: RepositoryConfig,
  maxConnections: number,
): Promise<Deno.HttpClient> {
  const options: Deno.CreateHttpClientOptions & { cert?: string; key?: string } = {
    poolMaxIdlePerHost: maxConnections,
    poolIdleTimeout: 30_000,
  };
  if (config.serverCert) options.caCerts = [await Deno.readTextFile(config.serverCert)];
  if (config.clientCert && config.clientKey) {
    options.cert = await Deno.readTextFile(config.clientCert);
    options.key = await Deno.readTextFile(config.clientKey);
  }
  return Deno.createHttpClient(options);
}
