/**
 * Authentication: static bearer token, HS256 JWT (minted and refreshed),
 * TLS client certificate and SERVER_CERT — each through a TLS/auth-checking
 * proxy in front of the real Fedora; Basic against Fedora itself.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { DataFactory } from "n3";
import { decodeJwt, jwtVerify } from "jose";
import type { RepositoryConfig } from "../../src/config/types.ts";
import { ns } from "../../src/rdf/namespaces.ts";
import {
  authKind,
  createAuthProvider,
  JWT_LIFETIME_SECONDS,
  JWT_REFRESH_MARGIN_SECONDS,
  mintJwt,
} from "../../src/repository/auth.ts";
import { RepositoryClient, THIS_RESOURCE } from "../../src/repository/client.ts";
import { AuthenticationError, ConnectionError } from "../../src/repository/errors.ts";
import { USER_AGENT } from "../../src/repository/http.ts";
import { VERSION } from "../../src/version.ts";
import { AuthProxy, makePki, type ProxyAuth, type TestPki } from "./_auth_proxy.ts";
import { fedoraConfig, fedoraStyle } from "./_fedora.ts";

const SECRET = "a shared secret of the repository, long enough for HS256";

Deno.test("a minted JWT carries sub, iss=plastron, role=fedoraAdmin and a short exp", async () => {
  const now = Date.now();
  const token = await mintJwt(SECRET, "jdoe", 300, now);
  const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET));
  assertEquals(protectedHeader.alg, "HS256");
  assertEquals([payload.sub, payload.iss, payload.role], ["jdoe", "plastron", "fedoraAdmin"]);
  assertEquals(payload.exp! - payload.iat!, 300);
});

Deno.test("the JWT is reused while fresh and minted again before it expires", async () => {
  let clock = Date.UTC(2030, 0, 1);
  const auth = createAuthProvider(
    { restEndpoint: "https://x", relpath: "/", jwtSecret: SECRET },
    "jdoe",
    () => clock,
  );
  const first = await auth.authorization();
  clock += 10_000;
  assertEquals(await auth.authorization(), first, "reused while fresh");
  clock += (JWT_LIFETIME_SECONDS - JWT_REFRESH_MARGIN_SECONDS) * 1000;
  const second = await auth.authorization();
  assert(second !== first, "minted again inside the refresh margin");
  const exp = decodeJwt(second!.slice(7)).exp! * 1000;
  assert(exp > clock + (JWT_REFRESH_MARGIN_SECONDS * 1000), "the new token outlives the margin");
});

Deno.test("auth precedence: AUTH_TOKEN > JWT_SECRET > client certificate > Basic", () => {
  const base: RepositoryConfig = { restEndpoint: "https://x", relpath: "/" };
  const all = {
    ...base,
    authToken: "t",
    jwtSecret: "s",
    clientCert: "c",
    clientKey: "k",
    fedoraUser: "u",
    fedoraPassword: "p",
  };
  assertEquals(authKind(all), "token");
  assertEquals(authKind({ ...all, authToken: undefined }), "jwt");
  assertEquals(authKind({ ...all, authToken: undefined, jwtSecret: undefined }), "client-cert");
  assertEquals(
    authKind({ ...all, authToken: undefined, jwtSecret: undefined, clientCert: undefined }),
    "basic",
  );
  assertEquals(authKind(base), "none");
});

async function withProxy(
  auth: ProxyAuth,
  fn: (proxy: AuthProxy, pki: TestPki) => Promise<void>,
): Promise<void> {
  const pki = await makePki();
  const real = fedoraConfig();
  const proxy = await AuthProxy.start(pki, auth, {
    endpoint: real.restEndpoint,
    user: real.fedoraUser!,
    password: real.fedoraPassword!,
  });
  try {
    await fn(proxy, pki);
  } finally {
    await proxy.close();
    await Deno.remove(pki.dir, { recursive: true });
  }
}

/** Creates a container through `repo`, reads it back and removes it. */
async function roundTrip(repo: RepositoryClient): Promise<void> {
  const title = DataFactory.literal(`via proxy ${crypto.randomUUID()}`);
  const uri = await repo.createContainer({
    parent: repo.endpoint,
    graph: [DataFactory.quad(THIS_RESOURCE, ns.dcterms("title"), title)],
  });
  assert(uri.startsWith(repo.endpoint + "/"), `${uri} is under the proxy`);
  const { graph } = await repo.getGraph(uri);
  assert(graph.some((q) => q.object.equals(title)), "title read back");
  await repo.delete(uri, { purge: true });
}

function proxied(
  proxy: AuthProxy,
  pki: TestPki,
  over: Partial<RepositoryConfig>,
): RepositoryConfig {
  return { restEndpoint: proxy.endpoint, relpath: "/", serverCert: pki.caCert, ...over };
}

Deno.test("AUTH_TOKEN is sent as a bearer token over TLS verified with SERVER_CERT", async () => {
  await withProxy({ kind: "token", token: "s3cret-token" }, async (proxy, pki) => {
    const repo = await RepositoryClient.create(
      proxied(proxy, pki, {
        authToken: "s3cret-token",
        fedoraUser: "ignored",
        fedoraPassword: "x",
      }),
      { onBehalfOf: "jdoe" },
    );
    try {
      await roundTrip(repo);
    } finally {
      repo.close();
    }
    assert(proxy.seen.length >= 3);
    for (const s of proxy.seen) {
      assertEquals(s.userAgent, USER_AGENT);
      assertEquals(s.userAgent, `plastrond/${VERSION}`);
      assertEquals(s.onBehalfOf, "jdoe");
    }
    const wrong = await RepositoryClient.create(proxied(proxy, pki, { authToken: "wrong" }));
    try {
      const e = await wrong.head(wrong.endpoint).then(() => undefined, (err) => err);
      assert(e instanceof AuthenticationError, `got ${e}`);
      assertEquals(e.status, 401);
    } finally {
      wrong.close();
    }
  });
});

Deno.test("JWT_SECRET mints an HS256 token the proxy verifies, with the delegated user as sub", async () => {
  await withProxy({ kind: "jwt", secret: SECRET }, async (proxy, pki) => {
    const repo = await RepositoryClient.create(proxied(proxy, pki, { jwtSecret: SECRET }), {
      onBehalfOf: "jdoe",
    });
    try {
      await roundTrip(repo);
    } finally {
      repo.close();
    }
    assert(proxy.seen.length >= 3, `requests seen: ${proxy.seen.length}`);
    assert(proxy.seen.every((s) => s.claims?.sub === "jdoe" && s.claims?.iss === "plastron"));
    const wrong = await RepositoryClient.create(proxied(proxy, pki, { jwtSecret: "not it" }));
    try {
      const e = await wrong.head(wrong.endpoint).then(() => undefined, (err) => err);
      assert(e instanceof AuthenticationError, `got ${e}`);
    } finally {
      wrong.close();
    }
  });
});

Deno.test("CLIENT_CERT and CLIENT_KEY authenticate over TLS", async () => {
  await withProxy({ kind: "client-cert" }, async (proxy, pki) => {
    const repo = await RepositoryClient.create(
      proxied(proxy, pki, { clientCert: pki.clientCert, clientKey: pki.clientKey }),
    );
    try {
      await roundTrip(repo);
    } finally {
      repo.close();
    }
    assert(proxy.seen.length >= 3, `requests seen: ${proxy.seen.length}`);
    assert(proxy.seen.every((s) => s.clientCn === "plastrond client"));
    for (const over of [{}, { clientCert: pki.otherClientCert, clientKey: pki.otherClientKey }]) {
      const stranger = await RepositoryClient.create(proxied(proxy, pki, over));
      try {
        const e = await stranger.head(stranger.endpoint).then(() => undefined, (err) => err);
        assert(e instanceof AuthenticationError, `got ${e}`);
      } finally {
        stranger.close();
      }
    }
  });
});

Deno.test("without SERVER_CERT an unknown server certificate is refused", async () => {
  await withProxy({ kind: "token", token: "t" }, async (proxy, pki) => {
    const repo = await RepositoryClient.create(
      proxied(proxy, pki, { authToken: "t", serverCert: undefined }),
      { retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
    );
    try {
      const e = await repo.head(repo.endpoint).then(() => undefined, (err) => err);
      assert(e instanceof ConnectionError, `got ${e}`);
      assertEquals(proxy.seen.length, 0, "no request reached the proxy");
    } finally {
      repo.close();
    }
  });
});

Deno.test("On-Behalf-Of reaches Fedora, which then acts as the delegated user", async () => {
  const admin = await RepositoryClient.create(fedoraConfig());
  const delegated = await RepositoryClient.create(fedoraConfig(), { onBehalfOf: "jdoe" });
  try {
    assert(await admin.exists(admin.endpoint));
    const result = await delegated.createContainer({ parent: delegated.endpoint })
      .then((uri) => uri, (err) => err);
    if ((await fedoraStyle(admin)) === "fedora6") {
      // Fedora 6's WebAC gives the unknown delegated user no write access to the root.
      assert(result instanceof AuthenticationError, `got ${result}`);
      assertEquals(result.status, 403);
    } else {
      // Fedora 4 without its WebAC module ignores the header: the admin's request succeeds.
      assert(typeof result === "string", `got ${result}`);
      await admin.delete(result, { purge: true });
    }
  } finally {
    admin.close();
    delegated.close();
  }
});
