import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { StoreError } from "../../src/errors.ts";
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

Deno.test("leftover temporary files of an interrupted write are removed on open", async () => {
  const dir = await Deno.makeTempDir();
  (await MessageStore.open(dir)).close();
  await Deno.writeTextFile(join(dir, "inbox", "half.json.abc.tmp"), "{");
  const store = await MessageStore.open(dir);
  assertEquals([...Deno.readDirSync(join(dir, "inbox"))].length, 0);
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
