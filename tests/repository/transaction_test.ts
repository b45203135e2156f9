/**
 * Transactions against the real Fedora: a failure part way leaves nothing
 * behind, keep-alive outlives the server's timeout, a failed keep-alive
 * fails the work at once, a keep-alive answering after the commit began does
 * not undo it, a commit whose answer is lost says its outcome is unknown.
 * Plus Fedora 4's `tx:` protocol against a small stand-in (no Fedora 4 runs
 * in the test bed).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createHash } from "node:crypto";
import { DataFactory } from "n3";
import { onSample, type RepositoryRequestSample } from "../../src/metrics.ts";
import { ns } from "../../src/rdf/namespaces.ts";
import { RepositoryClient, THIS_RESOURCE } from "../../src/repository/client.ts";
import {
  CommitOutcomeUnknownError,
  NotFoundError,
  RepositoryError,
  TransactionError,
} from "../../src/repository/errors.ts";
import { detectTransactionStyle, type Transaction } from "../../src/repository/transaction.ts";
import { sleep } from "../../src/repository/retry.ts";
import { CuttingHttpProxy } from "../support/cutting_http_proxy.ts";
import { FakeFedora4 } from "./_fake_fedora4.ts";
import { FaultServer } from "./_fault_server.ts";
import { fedoraConfig, freshClient } from "./_fedora.ts";

const { literal, namedNode, quad } = DataFactory;

/** Rolls a transaction back with plain fetch, as another party would. */
async function rollBackBehindItsBack(tx: Transaction): Promise<void> {
  const config = fedoraConfig();
  const res = await fetch(
    tx.style === "fedora6" ? tx.location : `${tx.location}/fcr:tx/fcr:rollback`,
    {
      method: tx.style === "fedora6" ? "DELETE" : "POST",
      headers: { Authorization: `Basic ${btoa(`${config.fedoraUser}:${config.fedoraPassword}`)}` },
    },
  );
  await res.body?.cancel();
  assert(res.status === 204 || res.status === 200, `rollback answered ${res.status}`);
}

Deno.test("a request refused in the middle of a transaction leaves nothing behind", async () => {
  const repo = await freshClient();
  try {
    const created: string[] = [];
    const e = await repo.transaction(async (tx) => {
      created.push(
        await tx.createContainer({
          graph: [quad(THIS_RESOURCE, ns.dcterms("title"), literal("first"))],
        }),
      );
      created.push(await tx.createContainer({ parent: created[0], slug: "second" }));
      // The third request is refused by Fedora: a server-managed property cannot be set.
      await tx.patch(created[0], {
        deletes: [],
        inserts: [
          quad(
            DataFactory.namedNode(created[0]),
            ns.fedora("created"),
            literal("2001-01-01T00:00:00Z", ns.xsd("dateTime")),
          ),
        ],
      });
      created.push("not reached");
    }).then(() => undefined, (err) => err);
    assert(e instanceof RepositoryError, `got ${e}`);
    assertEquals(e.method, "PATCH");
    assert(e.status! >= 400 && e.status! < 500, `status ${e.status}`);
    assertEquals(created.length, 2);
    for (const uri of created) {
      const missing = await repo.head(uri).then(() => undefined, (err) => err);
      assert(missing instanceof NotFoundError, `${uri} must not exist, got ${missing}`);
    }
    assertEquals(await repo.children(repo.baseContainer), []);
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("an exception in the work rolls the transaction back", async () => {
  const repo = await freshClient();
  try {
    let uri = "";
    let state = "";
    const e = await repo.transaction(async (tx) => {
      uri = await tx.createContainer();
      state = tx.transactionInUse!.state;
      throw new Error("row failed validation");
    }).then(() => undefined, (err) => err);
    assertEquals((e as Error).message, "row failed validation");
    assertEquals(state, "open");
    assertEquals(await repo.exists(uri), false);
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("keep-alive holds a transaction open longer than Fedora's timeout", async () => {
  const repo = await freshClient();
  try {
    const kept = await repo.beginTransaction();
    // The same, without keep-alive (and without any request, which would extend it too).
    const idle = await repo.beginTransaction({ keepAliveMs: 3_600_000 });
    const keptTx = kept.transactionInUse!;
    const idleTx = idle.transactionInUse!;
    const expires = idleTx.expiresAt;
    assert(expires, "Fedora says when the transaction expires");
    const timeoutMs = expires.getTime() - Date.now();
    assert(
      timeoutMs < 200_000,
      `Fedora's transaction timeout is ${timeoutMs} ms; start the test bed's Fedora with FEDORA_SESSION_TIMEOUT=60000`,
    );
    const keptUri = await kept.createContainer({ slug: "kept" });
    // Wait past the timeout (Fedora checks expiry when the transaction is next used).
    await new Promise((r) => setTimeout(r, timeoutMs + 5_000));
    assert(keptTx.keepAlives >= 2, `keep-alives sent: ${keptTx.keepAlives}`);
    assert(keptTx.expiresAt!.getTime() > Date.now(), "the kept one's expiry moved on");
    await kept.createContainer({ parent: keptUri, slug: "after-timeout" });
    await keptTx.commit();
    assert(await repo.exists(keptUri));
    assert(await repo.exists(`${keptUri}/after-timeout`));

    const e = await idleTx.commit().then(() => undefined, (err) => err);
    assert(e instanceof TransactionError, `the idle one expired; got ${e}`);
    await idleTx.rollback().catch(() => {});
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("a failed keep-alive fails the work at once", async () => {
  const repo = await freshClient();
  // Requests that reach the HTTP layer (the later one must not).
  const heads: RepositoryRequestSample[] = [];
  const stop = onSample("repositoryRequest", (s) => s.method === "HEAD" && heads.push(s));
  try {
    let later: Promise<unknown> = Promise.resolve();
    const started = performance.now();
    const e = await repo.transaction(async (tx) => {
      const transaction = tx.transactionInUse!;
      // Someone else ends the transaction behind our back (as a server restart would).
      await rollBackBehindItsBack(transaction);
      // Long work that listens to the transaction's signal is interrupted by the failed keep-alive …
      await sleep(30_000, transaction.signal).catch((err) => {
        // … and every later request fails at once, without going to the server.
        later = tx.exists(repo.baseContainer).then(() => undefined, (failure) => failure);
        throw err;
      });
    }, { keepAliveMs: 300 }).then(() => undefined, (err) => err);
    const elapsed = performance.now() - started;
    assert(e instanceof TransactionError, `got ${e}`);
    assert(/kept alive/.test(e.message), e.message);
    // Fedora 6 answers 410 Gone, Fedora 4.7 a 500, to a keep-alive of an ended transaction.
    assert(e.status! >= 400, `status ${e.status}`);
    assert(elapsed < 5000, `failed after ${elapsed} ms`);
    const afterFailure = await later;
    assert(afterFailure instanceof TransactionError, `later request: ${afterFailure}`);
    assertEquals(heads, [], "the later request was not sent");
  } finally {
    stop();
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("a request in a transaction closed by the server gives TransactionError", async () => {
  const repo = await freshClient();
  try {
    const bound = await repo.beginTransaction({ keepAliveMs: 3_600_000 });
    const tx = bound.transactionInUse!;
    await rollBackBehindItsBack(tx);
    const e = await bound.createContainer().then(() => undefined, (err) => err);
    assert(e instanceof TransactionError, `got ${e}`);
    assertEquals(e.method, "POST");
    assert(e.status === 409 || e.status === 410, `status ${e.status}`);
    await tx.rollback();
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("transaction style is detected from the Location Fedora answers with", () => {
  assertEquals(detectTransactionStyle("http://h/fcrepo/rest/fcr:tx/3f1e-aa"), "fedora6");
  assertEquals(detectTransactionStyle("http://h/rest/tx:83e34464-144e-43d9"), "fedora4");
  assertEquals(detectTransactionStyle("http://h/rest/something"), undefined);
});

Deno.test("a failed keep-alive fails the transaction at once while the work waits on something else", async () => {
  const repo = await freshClient();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    let workSignal: AbortSignal | undefined;
    const started = performance.now();
    const e = await repo.transaction(async (tx, signal) => {
      workSignal = signal;
      await rollBackBehindItsBack(tx.transactionInUse!);
      // A long wait that listens to no signal at all (as a slow read of a file source may).
      await new Promise((resolve) => timer = setTimeout(resolve, 30_000));
    }, { keepAliveMs: 300 }).then(() => undefined, (err) => err);
    const elapsed = performance.now() - started;
    assert(e instanceof TransactionError, `got ${e}`);
    assert(/kept alive/.test(e.message), e.message);
    assert(elapsed < 5000, `failed after ${elapsed} ms`);
    // The work was handed a signal that tells its own I/O to stop, with the same reason.
    assert(workSignal?.aborted, "the work's signal is aborted");
    assertEquals(workSignal.reason, e);
  } finally {
    clearTimeout(timer);
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

/** A client of the real Fedora through a {@link FaultServer}, with a fresh base container. */
async function withFaults(
  fn: (repo: RepositoryClient, faults: FaultServer, direct: RepositoryClient) => Promise<void>,
): Promise<void> {
  const direct = await freshClient();
  const origin = new URL(direct.endpoint).origin;
  const faults = new FaultServer(origin);
  const relpath = direct.baseContainer.slice(direct.endpoint.length);
  const repo = await RepositoryClient.create(
    fedoraConfig({ restEndpoint: direct.endpoint.replace(origin, faults.origin), relpath }),
  );
  try {
    await fn(repo, faults, direct);
  } finally {
    repo.close();
    await faults.close();
    await direct.delete(direct.baseContainer, { purge: true }).catch(() => {});
    direct.close();
  }
}

/** Whether a request is a keep-alive: `POST <tx>` (Fedora 6) or `POST <tx>/fcr:tx` (Fedora 4). */
function isKeepAlive(req: Request): boolean {
  const path = new URL(req.url).pathname;
  return req.method === "POST" &&
    (/\/fcr:tx\/[^/]+$/.test(path) || /\/tx:[^/]+\/fcr:tx$/.test(path));
}

Deno.test("a keep-alive that fails after the commit began does not fail the committed transaction", async () => {
  await withFaults(async (repo, faults, direct) => {
    let arrived!: () => void;
    const keepAliveArrived = new Promise<void>((resolve) => arrived = resolve);
    let answered!: () => void;
    const keepAliveAnswered = new Promise<void>((resolve) => answered = resolve);
    let held = false;
    faults.intercept = async (req) => {
      if (held || !isKeepAlive(req)) return undefined;
      // The first keep-alive is held until the commit has been sent, then refused.
      held = true;
      arrived();
      await sleep(1000);
      answered();
      return new Response("injected keep-alive failure", { status: 500 });
    };
    const failures: TransactionError[] = [];
    let tx: Transaction | undefined;
    const uri = await repo.transaction(async (bound) => {
      tx = bound.transactionInUse!;
      const created = await bound.createContainer({ slug: "committed" });
      await keepAliveArrived;
      return created;
    }, { keepAliveMs: 100, onFailure: (e) => failures.push(e) });
    await keepAliveAnswered;
    await sleep(300); // time for the client to take in the keep-alive's answer
    assertEquals(tx!.state, "committed");
    assertEquals(failures, []);
    assert(await direct.exists(uri.replace(repo.endpoint, direct.endpoint)), "the work was saved");
  });
});

Deno.test("a commit whose answer is lost gives CommitOutcomeUnknownError, not 'nothing was saved'", async () => {
  const direct = await freshClient();
  const target = new URL(direct.endpoint);
  const proxy = new CuttingHttpProxy({ host: target.hostname, port: Number(target.port) }, 0);
  const viaProxy = direct.endpoint.replace(target.host, `127.0.0.1:${proxy.port}`);
  const relpath = direct.baseContainer.slice(direct.endpoint.length);
  const repo = await RepositoryClient.create(fedoraConfig({ restEndpoint: viaProxy, relpath }));
  try {
    const bound = await repo.beginTransaction({ keepAliveMs: 3_600_000 });
    const tx = bound.transactionInUse!;
    const uri = await bound.createContainer({ slug: "maybe-saved" });
    const path = new URL(tx.location).pathname;
    // The answer to the commit request is cut before its first byte.
    proxy.markers.add(tx.style === "fedora6" ? `PUT ${path} ` : `POST ${path}/fcr:tx/fcr:commit `);
    const e = await tx.commit().then(() => undefined, (err) => err);
    // (Deno's fetch may send the request once more on a new connection: cut as well.)
    assert(proxy.cuts >= 1, `cuts: ${proxy.cuts}`);
    assert(e instanceof CommitOutcomeUnknownError, `got ${e}`);
    assert(e instanceof TransactionError, "still a TransactionError for callers");
    assert(/unknown/.test(e.message) && /check/.test(e.message), e.message);
    assert(!/nothing was saved/.test(e.message), e.message);
    assertEquals(tx.state, "failed");
    await tx.rollback().catch(() => {});
    // The repository did commit: "nothing was saved" would have been wrong.
    assert(await direct.exists(uri.replace(viaProxy, direct.endpoint)), "the commit happened");
  } finally {
    repo.close();
    await proxy.close();
    await direct.delete(direct.baseContainer, { purge: true }).catch(() => {});
    direct.close();
  }
});

const hex = (alg: string, bytes: Uint8Array) => createHash(alg).update(bytes).digest("hex");

Deno.test("Fedora 4 transactions: requests go under tx:, URIs and RDF come back without it; commit, rollback and keep-alive URLs", async () => {
  const fake = new FakeFedora4();
  const endpoint = fake.endpoint;
  fake.seed(endpoint);
  const repo = await RepositoryClient.create({ restEndpoint: endpoint, relpath: "/" });
  try {
    const member = `${endpoint}/obj/m/page-1`;
    const bytes = new TextEncoder().encode("page one\n");
    const out = await repo.transaction(async (tx) => {
      const obj = await tx.createContainer({
        slug: "obj",
        graph: [
          quad(THIS_RESOURCE, ns.dcterms("title"), literal("x")),
          quad(THIS_RESOURCE, ns.pcdm("hasMember"), namedNode(member)),
        ],
      });
      const file = await tx.createBinary({
        uri: `${obj}/file`,
        body: bytes,
        contentType: "text/plain",
      });
      const head = await tx.head(file.uri);
      await tx.patch(obj, {
        deletes: [],
        inserts: [quad(namedNode(obj), ns.pcdm("hasFile"), namedNode(file.uri))],
      });
      const read = await tx.getGraph(obj);
      const stored = await tx.storedDigests(file.uri);
      await sleep(200); // keep-alives every 50 ms meanwhile
      return { obj, file, head, read, stored, location: tx.transactionInUse!.location };
    }, { keepAliveMs: 50 });

    const tx = `${endpoint}/tx:1`;
    const prefix = new URL(tx).pathname;
    assertEquals(out.location, tx);
    // URIs coming back (Location, Link describedby) have the prefix stripped …
    assertEquals(out.obj, `${endpoint}/obj`);
    assertEquals(out.file.uri, `${endpoint}/obj/file`);
    assert(out.head.isBinary);
    assertEquals(out.head.describedBy, `${endpoint}/obj/file/fcr:metadata`);
    // … and so have the RDF terms (the fake serves them under tx:1).
    const terms = out.read.graph.flatMap((q) => [q.subject.value, q.object.value]);
    assert(terms.every((t) => !t.includes("tx:")), terms.join(" "));
    const has = (s: string, p: string, o: string) =>
      out.read.graph.some((q) =>
        q.subject.value === s && q.predicate.value === p && q.object.value === o
      );
    assert(has(out.obj, ns.dcterms("title").value, "x"));
    assert(has(out.obj, ns.pcdm("hasMember").value, member));
    assert(has(out.obj, ns.ldp("contains").value, out.file.uri));
    // The digest the client checked its upload against came from the prefixed description.
    assertEquals(out.stored, { sha1: hex("sha1", bytes) });
    assertEquals(out.file.sha256, hex("sha256", bytes));

    // Every request after the begin went under the prefix, with the prefix in its RDF too.
    const [begin, ...inside] = fake.requests;
    assertEquals([begin.method, begin.path], ["POST", "/rest/fcr:tx"]);
    const outside = inside.filter((r) => !r.path.startsWith(prefix + "/") && r.path !== prefix);
    assertEquals(outside, []);
    const create = inside.find((r) => r.method === "POST" && r.path === prefix)!;
    assert(create.body.includes(`<${tx}/obj/m/page-1>`), create.body);
    assert(!create.body.includes(`<${member}>`), create.body);
    const patch = inside.find((r) => r.method === "PATCH")!;
    assertEquals(patch.path, `${prefix}/obj`);
    assert(
      patch.body.includes(`<${tx}/obj>`) && patch.body.includes(`<${tx}/obj/file>`),
      patch.body,
    );
    assert(inside.some((r) => r.method === "PUT" && r.path === `${prefix}/obj/file`));
    // Keep-alive POST <tx>/fcr:tx; commit POST <tx>/fcr:tx/fcr:commit, last.
    const keepAlives = inside.filter((r) => r.method === "POST" && r.path === `${prefix}/fcr:tx`);
    assert(keepAlives.length >= 2, `keep-alives: ${keepAlives.length}`);
    const last = inside[inside.length - 1];
    assertEquals([last.method, last.path], ["POST", `${prefix}/fcr:tx/fcr:commit`]);
    assertEquals(fake.transactions.get("tx:1"), "committed");

    // A failing work rolls back with POST <tx>/fcr:tx/fcr:rollback.
    fake.requests.length = 0;
    const e = await repo.transaction(async (t) => {
      await t.createContainer({ slug: "doomed" });
      throw new Error("row failed");
    }).then(() => undefined, (err) => err);
    assertEquals((e as Error).message, "row failed");
    const rollback = fake.requests[fake.requests.length - 1];
    assertEquals([rollback.method, rollback.path], ["POST", "/rest/tx:2/fcr:tx/fcr:rollback"]);
    assertEquals(fake.transactions.get("tx:2"), "rolled-back");
  } finally {
    repo.close();
    await fake.close();
  }
});
