import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { CommandsConfig } from "../../src/config/types.ts";
import { BadRequestError } from "../../src/errors.ts";
import { type BinarySource, mimeTypeFor } from "../../src/transfer/binary_source.ts";
import { openBinarySource } from "../../src/transfer/open_binary_source.ts";
import { fixture } from "../helpers/import_fixtures.ts";
import { hostPort, testbedEnv } from "../support/testbed_env.ts";

const PATHS = [
  "doc-001/doc-001-0001.tif",
  "doc-001/doc-001-0001.png",
  "doc-001/doc-001.pdf",
  "doc-002/doc-002-0003.tif",
  "postcard-17/postcard-17-back.png",
];

function commands(overrides: Partial<CommandsConfig["import"]> = {}): Pick<
  CommandsConfig,
  "import" | "sftpHosts" | "knownHosts"
> {
  return { import: { jobsDir: "/nonexistent", ...overrides } };
}

async function read(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Every path's bytes, size and type from a source, checked against the files on disk. */
async function checkSource(source: BinarySource) {
  const dir = fixture("import/files");
  try {
    for (const path of PATHS) {
      assert(await source.exists(path), `${source.location}: ${path} should exist`);
      const binary = await source.get(path);
      const expected = await Deno.readFile(join(dir, path));
      const bytes = await read(binary.body());
      assertEquals(sha256(bytes), sha256(expected), `${source.location}: ${path}`);
      // a second stream for a retry gives the same bytes
      assertEquals(sha256(await read(binary.body())), sha256(expected));
      assertEquals(binary.size, expected.byteLength);
      // known before sending: hashed locally, in the zip, or by the server's sha256sum
      assertEquals(binary.sha256, sha256(expected));
      assertEquals(binary.contentType, mimeTypeFor(path));
    }
    assertEquals(await source.exists("doc-999/doc-999-0001.tif"), false);
    assertEquals(await source.exists("doc-001"), false, "a folder is not a file");
    assertEquals(await source.exists("../import/items-basic.csv"), false);
    await rejects(() => source.get("../items-basic.csv"), /binaries location/);
    await rejects(() => source.get("doc-999/doc-999-0001.tif"), /doc-999/);
  } finally {
    await source.close();
  }
}

Deno.test("MIME types come from file extensions", () => {
  assertEquals(mimeTypeFor("a/b.TIF"), "image/tiff");
  assertEquals(mimeTypeFor("a/b.pdf"), "application/pdf");
  assertEquals(mimeTypeFor("a/b"), "application/octet-stream");
});

Deno.test("a local directory gives each file's bytes, size and digest; nothing outside it", async () => {
  await checkSource(await openBinarySource(fixture("import/files"), commands()));
});

Deno.test("a symlink that leaves the directory is refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.symlink(fixture("import/items-basic.csv"), join(dir, "escape.csv"));
    await Deno.writeTextFile(join(dir, "inside.txt"), "ok");
    const source = await openBinarySource(dir, commands());
    assertEquals(await source.exists("inside.txt"), true);
    assertEquals(await source.exists("escape.csv"), false);
    await source.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("zip: gives the same bytes as the directory", async () => {
  await checkSource(await openBinarySource(`zip:${fixture("import/files.zip")}`, commands()));
});

Deno.test("local locations must lie under COMMANDS.IMPORT.BINARIES_ROOT when it is set", async () => {
  const root = fixture("import");
  await checkSource(await openBinarySource("files", commands({ binariesRoot: root })));
  await checkSource(await openBinarySource("zip:files.zip", commands({ binariesRoot: root })));
  await rejects(
    () => openBinarySource(fixture("real/files"), commands({ binariesRoot: root })),
    BadRequestError,
  );
  await rejects(
    () => openBinarySource("../real/files", commands({ binariesRoot: root })),
    BadRequestError,
  );
});

function sftpCommands(): Pick<CommandsConfig, "import" | "sftpHosts" | "knownHosts"> {
  return {
    import: { jobsDir: "/nonexistent", sshPrivateKey: testbedEnv("PLASTROND_TEST_SFTP_KEY") },
    knownHosts: testbedEnv("PLASTROND_TEST_SFTP_KNOWN_HOSTS"),
  };
}

function sftpBase(): string {
  const { host, port } = hostPort(testbedEnv("PLASTROND_TEST_SFTP"));
  return `${testbedEnv("PLASTROND_TEST_SFTP_USER")}@${host}:${port}`;
}

Deno.test("sftp:// (real sshd) gives the same bytes as the directory", async () => {
  await checkSource(
    await openBinarySource(`sftp://${sftpBase()}${fixture("import/files")}`, sftpCommands()),
  );
});

Deno.test("zip+sftp:// (real sshd) gives the same bytes as the directory", async () => {
  const source = await openBinarySource(
    `zip+sftp://${sftpBase()}${fixture("import/files.zip")}`,
    sftpCommands(),
  );
  assert(source.location.startsWith("zip+sftp://"));
  await checkSource(source);
});

Deno.test("SFTP without a key or to a host outside SFTP_HOSTS is refused", async () => {
  await rejects(
    () => openBinarySource(`sftp://${sftpBase()}/tmp`, { import: { jobsDir: "/x" } }),
    /SSH_PRIVATE_KEY/,
  );
  await rejects(
    () =>
      openBinarySource(`sftp://${sftpBase()}/tmp`, {
        ...sftpCommands(),
        sftpHosts: ["elsewhere.example"],
      }),
    BadRequestError,
  );
});
