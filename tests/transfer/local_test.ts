import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { join } from "node:path";
import { BadRequestError } from "../../src/errors.ts";
import { openLocalDestination, resolveLocalExportPath } from "../../src/transfer/local.ts";

async function withRoot(fn: (root: string, outside: string) => Promise<void>): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "plastrond-local-" });
  try {
    const root = join(base, "exports");
    const outside = join(base, "elsewhere");
    await Deno.mkdir(root);
    await Deno.mkdir(outside);
    await fn(root, outside);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

Deno.test("paths inside OUTPUT_ROOT are accepted, relative ones resolved against it", async () => {
  await withRoot(async (root) => {
    const real = await Deno.realPath(root);
    assertEquals(await resolveLocalExportPath("a.zip", root), join(real, "a.zip"));
    assertEquals(await resolveLocalExportPath("sub/dir/a.zip", root), join(real, "sub/dir/a.zip"));
    assertEquals(await resolveLocalExportPath(join(root, "b.zip"), root), join(real, "b.zip"));
  });
});

Deno.test("'..', absolute paths elsewhere and escaping symlinks are refused", async () => {
  await withRoot(async (root, outside) => {
    await rejects(() => resolveLocalExportPath("../x.zip", root), BadRequestError);
    await rejects(() => resolveLocalExportPath("sub/../../x.zip", root), BadRequestError);
    await rejects(() => resolveLocalExportPath("a/../b.zip", undefined), BadRequestError);
    await rejects(() => resolveLocalExportPath(join(outside, "x.zip"), root), /outside/);
    await Deno.symlink(outside, join(root, "link"));
    await rejects(() => resolveLocalExportPath("link/x.zip", root), /symbolic link/);
    await rejects(() => resolveLocalExportPath("link/deeper/x.zip", root), /symbolic link/);
    await Deno.symlink(join(outside, "target.zip"), join(root, "file-link.zip"));
    await rejects(() => resolveLocalExportPath("file-link.zip", root), /symbolic link/);
    await Deno.mkdir(join(root, "folder.zip"));
    await rejects(() => resolveLocalExportPath("folder.zip", root), /folder/);
  });
});

Deno.test("a local destination appears under its name only once committed", async () => {
  await withRoot(async (root) => {
    const path = await resolveLocalExportPath("out/my-bag.zip", root);
    const dest = await openLocalDestination(path);
    assertEquals(dest.name, "my-bag");
    const writer = dest.writable.getWriter();
    await writer.write(new TextEncoder().encode("bytes"));
    await writer.close();
    assert(!(await exists(path)), "not visible before commit");
    await dest.commit();
    assertEquals(await Deno.readTextFile(path), "bytes");
    assertEquals([...Deno.readDirSync(join(await Deno.realPath(root), "out"))].length, 1);

    const failed = await openLocalDestination(await resolveLocalExportPath("out/failed.zip", root));
    await failed.writable.getWriter().write(new Uint8Array(10));
    await failed.discard();
    assertEquals(
      [...Deno.readDirSync(join(root, "out"))].map((e) => e.name),
      ["my-bag.zip"],
    );
  });
});

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
