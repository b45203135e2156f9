import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { BinaryReader, parseStoredDigest } from "../../../src/commands/export/binary_reader.ts";
import { BinaryDownloadError, spoolBinary } from "../../../src/commands/export/spool.ts";
import { RepositoryClient } from "../../../src/repository/client.ts";
import { testConfig } from "../../support/pcdm_objects.ts";

Deno.test("stored digests are parsed from premis:hasMessageDigest URNs", () => {
  assertEquals(parseStoredDigest("urn:sha-512:ABCDEF"), { algorithm: "sha512", hex: "abcdef" });
  assertEquals(parseStoredDigest("urn:sha1:00ff"), { algorithm: "sha1", hex: "00ff" });
  assertEquals(parseStoredDigest("urn:md5:00ff"), { algorithm: "md5", hex: "00ff" });
  assertEquals(parseStoredDigest("http://example.org/x"), undefined);
});

Deno.test("a spooled binary is checked against the digest Fedora stored", async () => {
  const config = testConfig();
  const repo = await RepositoryClient.create(config.repository);
  const reader = await BinaryReader.create(config.repository);
  const dir = await Deno.makeTempDir();
  try {
    const bytes = crypto.getRandomValues(new Uint8Array(50_000));
    const parent = await repo.createContainer({});
    const { uri } = await repo.createBinary({
      parent,
      body: bytes,
      contentType: "application/octet-stream",
    });
    const head = await reader.head(uri);
    assert(head.isBinary && head.describedBy, "HEAD finds the description");
    const { graph } = await repo.getGraph(head.describedBy!);
    const stored = graph.map((q) => parseStoredDigest(q.object.value)).find((d) => d);
    assert(stored, "Fedora stores a digest in the description");
    assertEquals(stored.hex, createHash(stored.algorithm).update(bytes).digest("hex"));

    const ok = await spoolBinary(reader, uri, join(dir, "a"), stored);
    assertEquals(ok.size, bytes.byteLength);
    assertEquals(await Deno.readFile(join(dir, "a")), bytes);
    assert(ok.lastModified instanceof Date);

    const wrong = { algorithm: stored.algorithm, hex: "0".repeat(stored.hex.length) };
    await rejects(() => spoolBinary(reader, uri, join(dir, "b"), wrong), BinaryDownloadError);
    await repo.delete(parent);
  } finally {
    reader.close();
    repo.close();
    await Deno.remove(dir, { recursive: true });
  }
});
