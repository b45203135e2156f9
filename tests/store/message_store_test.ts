import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { StoreError } from "../../src/errors.ts";
import { isRequestDependent, writeFileAtomic } from "../../src/store/atomic_file.ts";
import { MessageStore, type StoredRequest } from "../../src/store/message_store.ts";

function request(jobId: string, receivedAt: number): StoredRequest {
  return {
    jobId,
    headers: { PlastronJobId: jobId, PlastronCommand: "echo" },
    bodyBase64: btoa("hi"),
    fingerprint: "f",
    receivedAt,
    attempts: 0,
  };
}

Deno.test("a second daemon cannot open a locked store", async () => {
  const dir = await Deno.makeTempDir();
  const store = await MessageStore.open(dir);
  try {
    // A lock is per open file description: a second process is what matters.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { MessageStore } from "${new URL(
          "../../src/store/message_store.ts",
          import.meta.url,
        )}";
         try { await MessageStore.open(${JSON.stringify(dir)}); console.log("opened"); }
         catch (e) { console.log(e.name + ": " + e.message); }`,
      ],
      stdout: "piped",
    });
    const out = new TextDecoder().decode((await child.output()).stdout);
    assert(out.includes("StoreError") && out.includes("in use by another plastrond"), out);
  } finally {
    store.close();
  }
  const again = await MessageStore.open(dir);
  again.close();
});

Deno.test("inbox entries survive reopening, listed oldest first, and can be removed", async () => {
  const dir = await Deno.makeTempDir();
  let store = await MessageStore.open(dir);
  await store.putRequest(request("http://x/jobs/2", 2));
  await store.putRequest(request("http://x/jobs/1", 1));
  store.close();
  store = await MessageStore.open(dir);
  assertEquals((await store.listRequests()).map((r) => r.jobId), [
    "http://x/jobs/1",
    "http://x/jobs/2",
  ]);
  await store.removeRequest("http://x/jobs/1");
  await store.removeRequest("http://x/jobs/1"); // already gone: fine
  assertEquals((await store.listRequests()).length, 1);
  assertEquals((await store.getRequest("http://x/jobs/2"))?.receivedAt, 2);
  store.close();
});

const LONG_IDS: [string, string][] = [
  ["a 300-character URI", "http://archelon.example.edu/import_jobs/" + "x".repeat(260)],
  ["a 40-character CJK id", "日本語の長いジョブ識別子".repeat(4).slice(0, 40)],
  ["a 230-character URI (kept unhashed)", "http://archelon.example.edu/" + "y".repeat(202)],
];

for (const [label, jobId] of LONG_IDS) {
  Deno.test(`${label} is stored, listed, finished and removed like any other`, async () => {
    const dir = await Deno.makeTempDir();
    const store = await MessageStore.open(dir);
    try {
      await store.putRequest(request(jobId, 1));
      assertEquals((await store.getRequest(jobId))?.jobId, jobId);
      assertEquals((await store.listRequests()).map((r) => r.jobId), [jobId]);
      await store.putRequest({ ...request(jobId, 1), attempts: 1 }); // rewritten in place
      assertEquals((await store.getRequest(jobId))?.attempts, 1);
      await store.putFinished({
        jobId,
        fingerprint: "f",
        finishedAt: 2,
        completion: { destination: "/queue/c", headers: {}, body: "{}" },
      });
      assertEquals((await store.getFinished(jobId))?.jobId, jobId);
      await store.removeRequest(jobId);
      assertEquals(await store.listRequests(), []);
      for (const folder of ["inbox", "finished"]) {
        for (const entry of Deno.readDirSync(join(dir, folder))) {
          assert(new TextEncoder().encode(entry.name).length <= 255, entry.name);
          assert(!entry.name.startsWith(".tmp-"), `temporary file left: ${entry.name}`);
        }
      }
    } finally {
      store.close();
    }
  });
}

Deno.test("a write that fails because of the name is request dependent; a missing folder is not", async () => {
  const dir = await Deno.makeTempDir();
  const tooLong = await writeFileAtomic(join(dir, "n".repeat(300)), "x").catch((e) => e);
  assert(tooLong instanceof StoreError, String(tooLong));
  assert(isRequestDependent(tooLong), tooLong.message);
  const missing = await writeFileAtomic(join(dir, "gone", "x.json"), "x").catch((e) => e);
  assert(missing instanceof StoreError);
  assert(!isRequestDependent(missing), missing.message);
  assertEquals([...Deno.readDirSync(dir)], [], "no temporary file is left behind");
});

Deno.test("leftover temporary files of an interrupted write are removed on open", async () => {
  const dir = await Deno.makeTempDir();
  (await MessageStore.open(dir)).close();
  await Deno.writeTextFile(join(dir, "inbox", "half.json.abc.tmp"), "{");
  await Deno.writeTextFile(join(dir, "finished", ".tmp-0b3c"), "{");
  const store = await MessageStore.open(dir);
  assertEquals([...Deno.readDirSync(join(dir, "inbox"))].length, 0);
  assertEquals([...Deno.readDirSync(join(dir, "finished"))].length, 0);
  assertEquals(await store.listRequests(), []);
  store.close();
});

Deno.test("outbox keeps order; finished and rejected records expire", async () => {
  const dir = await Deno.makeTempDir();
  const store = await MessageStore.open(dir);
  const a = await store.addOutgoing("j1", { destination: "/queue/a", headers: {}, body: "1" });
  await new Promise((r) => setTimeout(r, 2));
  await store.addOutgoing("j2", { destination: "/queue/a", headers: {}, body: "2" });
  assertEquals((await store.listOutgoing()).map((e) => e.message.body), ["1", "2"]);
  await store.removeOutgoing(a.id);
  assertEquals((await store.listOutgoing()).map((e) => e.jobId), ["j2"]);
  await store.putFinished({
    jobId: "j1",
    fingerprint: "f",
    finishedAt: 1,
    completion: { destination: "/queue/c", headers: {}, body: "{}" },
  });
  await store.putRejected({ a: "b" }, new Uint8Array([0xff]), "no id");
  assertEquals(await store.expire(30), 0);
  assertEquals(await store.expire(30, Date.now() + 31 * 86_400_000), 2);
  assertEquals(await store.getFinished("j1"), undefined);
  store.close();
});

Deno.test("an unusable store folder is a StoreError naming the setting", async () => {
  const file = await Deno.makeTempFile();
  await assertRejects(
    () => MessageStore.open(join(file, "store")),
    (e) => e instanceof StoreError && /MESSAGE_STORE_DIR/.test(e.message),
  );
});

Deno.test("damaged store files are moved to rejected/ as they were, and the rest still reads", async () => {
  const dir = await Deno.makeTempDir();
  (await MessageStore.open(dir)).close();
  const damaged: [string, string, string][] = [
    ["inbox", "null.json", "null"],
    ["inbox", "cut.json", '{"jobId": "http://x/1", "head'],
    ["inbox", "shape.json", JSON.stringify({ jobId: "http://x/2", attempts: "many" })],
    ["outbox", "000-list.json", "[]"],
    ["finished", "http%3A%2F%2Fx%2F3.json", "null"],
  ];
  for (const [folder, name, text] of damaged) {
    await Deno.writeTextFile(join(dir, folder, name), text);
  }
  const store = await MessageStore.open(dir);
  try {
    await store.putRequest(request("http://x/ok", 5));
    await store.addOutgoing("http://x/ok", { destination: "/queue/c", headers: {}, body: "{}" });
    assertEquals((await store.listRequests()).map((r) => r.jobId), ["http://x/ok"]);
    assertEquals((await store.listOutgoing()).map((e) => e.jobId), ["http://x/ok"]);
    assertEquals(await store.getFinished("http://x/3"), undefined);
    const rejected = [...Deno.readDirSync(join(dir, "rejected"))].map((e) => e.name);
    assertEquals(rejected.length, damaged.length, rejected.join(", "));
    assert(rejected.every((name) => /-damaged-(inbox|outbox|finished)\.json$/.test(name)));
    const kept = rejected.map((name) => Deno.readTextFileSync(join(dir, "rejected", name))).sort();
    assertEquals(kept, damaged.map(([, , text]) => text).sort(), "moved as they were");
    assertEquals([...Deno.readDirSync(join(dir, "inbox"))].length, 1);
  } finally {
    store.close();
  }
});

Deno.test("an outbox entry the broker refuses can be set aside with its reason", async () => {
  const dir = await Deno.makeTempDir();
  const store = await MessageStore.open(dir);
  try {
    const entry = await store.addOutgoing("j", { destination: "/q", headers: {}, body: "big" });
    const path = await store.setOutgoingAside(entry, "refused 3 times");
    assertEquals(await store.listOutgoing(), []);
    const kept = JSON.parse(await Deno.readTextFile(path));
    assertEquals(kept.reason, "refused 3 times");
    assertEquals(kept.entry.message.body, "big");
  } finally {
    store.close();
  }
});
