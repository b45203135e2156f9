/**
 * A small TLS / auth-checking proxy in front of the real Fedora, for what
 * Fedora 6 itself cannot check: bearer tokens, HS256 JWTs and TLS client
 * certificates (TESTBED.md). It verifies the credential, records what it
 * saw, then forwards with the test bed's Basic credentials and rewrites
 * Fedora's own base URL to its own in headers and RDF bodies.
 *
 * @module
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { jwtVerify } from "jose";

/** PEM files made with openssl for one test run. */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA and client certificate the proxy does not trust. */
  otherClientCert: string;
  otherClientKey: string;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Makes a CA, a server certificate for 127.0.0.1 and client certificates with openssl. */
export async function makePki(): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-pki-" });
  await Deno.writeTextFile(`${dir}/server.ext`, "subjectAltName=IP:127.0.0.1\n");
  await Deno.writeTextFile(`${dir}/client.ext`, "extendedKeyUsage=clientAuth\n");
  for (const ca of ["ca", "otherca"]) {
    await openssl(
      dir,
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${ca}.key`,
      "-out",
      `${ca}.crt`,
      "-days",
      "1",
      "-subj",
      `/CN=${ca}`,
    );
  }
  const issue = async (name: string, cn: string, ca: string, ext: string) => {
    await openssl(
      dir,
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}`,
    );
    await openssl(
      dir,
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.crt`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "1",
      "-extfile",
      ext,
    );
  };
  await issue("server", "127.0.0.1", "ca", "server.ext");
  await issue("client", "plastrond client", "ca", "client.ext");
  await issue("other", "stranger", "otherca", "client.ext");
  return {
    dir,
    caCert: `${dir}/ca.crt`,
    serverCert: `${dir}/server.crt`,
    serverKey: `${dir}/server.key`,
    clientCert: `${dir}/client.crt`,
    clientKey: `${dir}/client.key`,
    otherClientCert: `${dir}/other.crt`,
    otherClientKey: `${dir}/other.key`,
  };
}

/** What the proxy accepts. */
export type ProxyAuth =
  | { kind: "token"; token: string }
  | { kind: "jwt"; secret: string }
  | { kind: "client-cert" };

/** One request as the proxy saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  userAgent?: string;
  onBehalfOf?: string;
  /** Claims of a verified JWT. */
  claims?: Record<string, unknown>;
  /** CN of a verified client certificate. */
  clientCn?: string;
}

/** The proxy. */
export class AuthProxy {
  readonly seen: SeenRequest[] = [];
  #server: https.Server;
  #port = 0;

  private constructor(
    pki: TestPki,
    readonly auth: ProxyAuth,
    readonly fedora: { endpoint: string; user: string; password: string },
  ) {
    this.#server = https.createServer({
      key: Deno.readTextFileSync(pki.serverKey),
      cert: Deno.readTextFileSync(pki.serverCert),
      ca: Deno.readTextFileSync(pki.caCert),
      requestCert: auth.kind === "client-cert",
      rejectUnauthorized: false,
    }, (req, res) => {
      this.#handle(req, res).catch((e) => {
        res.statusCode = 502;
        res.end(String(e));
      });
    });
  }

  /** Starts a proxy on a free port of 127.0.0.1. */
  static async start(
    pki: TestPki,
    auth: ProxyAuth,
    fedora: { endpoint: string; user: string; password: string },
  ): Promise<AuthProxy> {
    const proxy = new AuthProxy(pki, auth, fedora);
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    proxy.#port = (proxy.#server.address() as { port: number }).port;
    return proxy;
  }

  /** The proxy's REST endpoint (https). */
  get endpoint(): string {
    return this.fedora.endpoint.replace(new URL(this.fedora.endpoint).origin, this.#origin);
  }

  get #origin(): string {
    return `https://127.0.0.1:${this.#port}`;
  }

  async #check(req: IncomingMessage, seen: SeenRequest): Promise<boolean> {
    const header = req.headers.authorization ?? "";
    switch (this.auth.kind) {
      case "token":
        return header === `Bearer ${this.auth.token}`;
      case "jwt": {
        if (!header.startsWith("Bearer ")) return false;
        try {
          const { payload } = await jwtVerify(
            header.slice(7),
            new TextEncoder().encode(this.auth.secret),
            { issuer: "plastron", algorithms: ["HS256"] },
          );
          seen.claims = payload as Record<string, unknown>;
          return payload.role === "fedoraAdmin" && typeof payload.sub === "string";
        } catch {
          return false;
        }
      }
      case "client-cert": {
        const socket = req.socket as TLSSocket;
        if (!socket.authorized) return false;
        seen.clientCn = String(socket.getPeerCertificate()?.subject?.CN ?? "");
        return true;
      }
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seen: SeenRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      userAgent: req.headers["user-agent"],
      onBehalfOf: req.headers["on-behalf-of"] as string | undefined,
    };
    this.seen.push(seen);
    const chunks: Uint8Array[] = [];
    for await (const chunk of req) chunks.push(chunk as Uint8Array);
    if (!(await this.#check(req, seen))) {
      res.statusCode = 401;
      res.end("proxy: credential refused");
      return;
    }
    const fedoraOrigin = new URL(this.fedora.endpoint).origin;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      // On-Behalf-Of is recorded, not forwarded: Fedora would act as that (unknown) user.
      if (["host", "authorization", "connection", "on-behalf-of"].includes(k) || v === undefined) {
        continue;
      }
      headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    }
    headers.set("Authorization", `Basic ${btoa(`${this.fedora.user}:${this.fedora.password}`)}`);
    const body = chunks.length ? new Blob(chunks as BlobPart[]) : undefined;
    const upstream = await fetch(fedoraOrigin + (req.url ?? "/"), {
      method: req.method,
      headers,
      body: ["GET", "HEAD"].includes(req.method ?? "") ? undefined : body,
      redirect: "manual",
    });
    const rewrite = (s: string) => s.replaceAll(fedoraOrigin, this.#origin);
    res.statusCode = upstream.status;
    upstream.headers.forEach((value, key) => {
      if (["content-length", "transfer-encoding", "connection"].includes(key)) return;
      res.setHeader(key, rewrite(value));
    });
    // Fetch joins repeated Link headers with ", ", which stays a valid Link header.
    const text = rewrite(await upstream.text());
    res.end(text);
  }

  /** Stops the proxy. */
  async close(): Promise<void> {
    this.#server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
