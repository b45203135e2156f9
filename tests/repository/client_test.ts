/**
 * The repository client against the real Fedora, through a fault server
 * where the real one cannot show the case: a diff read's `Prefer` header, a
 * `Slug` outside ASCII, and the check of an upload of unknown digest against
 * the digests Fedora reports (a wrong one, and none it can compare).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { ns } from "../../src/rdf/namespaces.ts";
import { RepositoryClient, SERVER_MANAGED_PREFER } from "../../src/repository/client.ts";
import { DigestMismatchError, RepositoryError } from "../../src/repository/errors.ts";
import { FaultServer } from "./_fault_server.ts";
import { fedoraConfig } from "./_fedora.ts";

/** A client of the real Fedora through a {@link FaultServer}, with a fresh base container. */
async function withFaults(
  fn: (repo: RepositoryClient, faults: FaultServer) => Promise<void>,
): Promise<void> {
  const real = fedoraConfig();
  const origin = new URL(real.restEndpoint).origin;
  const faults = new FaultServer(origin);
  const repo = await RepositoryClient.create({
    ...real,
    relpath: `/plastrond-test/${crypto.randomUUID()}`,
    restEndpoint: real.restEndpoint.replace(origin, faults.origin),
  });
  try {
    await repo.ensureContainer(`${repo.endpoint}/plastrond-test`);
    await repo.ensureContainer(repo.baseContainer);
    await fn(repo, faults);
  } finally {
    faults.intercept = undefined;
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
    await faults.close();
  }
}

Deno.test("a diff read sends Prefer omitting server-managed triples by both the 4.x and the 6.x URI", async () => {
  await withFaults(async (repo, faults) => {
    const uri = await repo.createContainer({ slug: "prefer" });
    const preferOf = async (omitServerManaged: boolean) => {
      const from = faults.seen.length;
      const read = await repo.getGraph(uri, { omitServerManaged });
      const gets = faults.seen.slice(from).map((s, i) => [s, faults.seenHeaders[from + i]] as const)
        .filter(([s]) => s.startsWith("GET "));
      assertEquals(gets.length, 1);
      return { prefer: gets[0][1].get("Prefer"), read };
    };
    const diff = await preferOf(true);
    assertEquals(diff.prefer, SERVER_MANAGED_PREFER);
    assert(diff.prefer!.includes("http://fedora.info/definitions/v4/repository#ServerManaged"));
    assert(diff.prefer!.includes("http://fedora.info/definitions/fcrepo#ServerManaged"));
    // Fedora honoured it: the server-managed fedora:created is left out, and is there otherwise.
    const created = ns.fedora("created").value;
    assert(!diff.read.graph.some((q) => q.predicate.value === created), "omitted");
    const full = await preferOf(false);
    assertEquals(full.prefer, null);
    assert(full.read.graph.some((q) => q.predicate.value === created), "present without Prefer");
  });
});

Deno.test("a Slug outside ASCII is sent percent-encoded and names the new resource", async () => {
  await withFaults(async (repo, faults) => {
    const slug = "Łódź 日本 café";
    const from = faults.seen.length;
    const uri = await repo.createContainer({ slug });
    const sent = faults.seenHeaders.slice(from).map((h) => h.get("Slug")).filter(Boolean);
    // Printable ASCII (the blanks too) as is, the rest as percent-encoded UTF-8.
    assertEquals(sent, ["%C5%81%C3%B3d%C5%BA %E6%97%A5%E6%9C%AC caf%C3%A9"]);
    assertEquals(uri, `${repo.baseContainer}/${encodeURIComponent(slug)}`);
    assert(await repo.exists(uri));
  });
});

/** Rewrites the `premis:hasMessageDigest` triples of every binary description read. */
function rewriteDigests(faults: FaultServer, rewrite: (ntriples: string) => string): void {
  faults.intercept = async (req, forward) => {
    if (req.method !== "GET" || !new URL(req.url).pathname.endsWith("/fcr:metadata")) {
      return undefined;
    }
    const res = await forward(req);
    const headers = new Headers(res.headers);
    headers.delete("Content-Length");
    return new Response(rewrite(await res.text()), { status: res.status, headers });
  };
}

const DIGEST = /<urn:(sha-512|sha-256|sha1):([0-9a-f]+)>/g;

Deno.test("an upload of unknown digest that Fedora reports another digest for gives DigestMismatchError", async () => {
  await withFaults(async (repo, faults) => {
    let rewritten = 0;
    rewriteDigests(faults, (text) =>
      text.replace(DIGEST, (_, alg: string, hex: string) => {
        rewritten++;
        return `<urn:${alg}:${"0".repeat(hex.length)}>`;
      }));
    const e = await repo.createBinary({
      body: new TextEncoder().encode("the bytes sent"),
      contentType: "text/plain",
    }).then(() => undefined, (err) => err);
    assert(rewritten > 0, "Fedora reported a digest, which the fault server changed");
    assert(e instanceof DigestMismatchError, `got ${e}`);
    assert(/differs from the bytes sent/.test(e.message), e.message);
  });
});

Deno.test("an upload of unknown digest that Fedora reports no comparable digest for fails", async () => {
  await withFaults(async (repo, faults) => {
    let removed = 0;
    rewriteDigests(faults, (text) =>
      text.split("\n").filter((line) => {
        const digest = line.includes("premis/rdf/v1#hasMessageDigest");
        if (digest) removed++;
        return !digest;
      }).join("\n"));
    const e = await repo.createBinary({
      body: new TextEncoder().encode("the bytes sent"),
      contentType: "text/plain",
    }).then(() => undefined, (err) => err);
    assert(removed > 0, "Fedora reported a digest, which the fault server removed");
    assert(e instanceof RepositoryError, `got ${e}`);
    assert(/cannot be verified/.test(e.message), e.message);
    assert(/reports: none/.test(e.message), e.message);
  });
});

Deno.test("ensureContainer accepts a path Fedora keeps only under deeper resources (a ghost node)", async () => {
  const repo = await RepositoryClient.create(fedoraConfig());
  try {
    const top = `${repo.endpoint}/plastrond-ghost-${crypto.randomUUID()}`;
    // On Fedora 6 a PUT two levels down makes `${top}/between` a ghost (404 to
    // reads, 409 to a PUT); Fedora 4 makes a pairtree node there instead.
    await repo.createContainer({ uri: `${top}/between/deep` });
    await repo.ensureContainer(`${top}/between`);
    await repo.createContainer({ uri: `${top}/between/sibling` });
    assert(await repo.exists(`${top}/between/sibling`));
    await repo.delete(`${top}/between/deep`).catch(() => {});
    await repo.delete(`${top}/between/sibling`).catch(() => {});
  } finally {
    repo.close();
  }
});
