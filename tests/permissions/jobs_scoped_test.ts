/**
 * Real work under the scoped permission set: the daemon started with exactly
 * the flags `plastrond permissions` prints imports rows with local binaries
 * into the real Fedora, then exports them with binaries to a local
 * OUTPUT_ROOT and over SFTP to the test bed's sshd, all as jobs sent over
 * the broker — nothing it needs is missing from the set.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { formatCsv } from "../../src/csv/write.ts";
import { ChildRun } from "../helpers/child_process.ts";
import { writeTestConfig } from "../helpers/daemon_process.ts";
import { FIXTURES } from "../helpers/import_fixtures.ts";
import { JobClient } from "../helpers/job_client.ts";
import { printedPermissionFlags } from "../helpers/permission_flags.ts";
import { hostPort, testbedEnv } from "../support/testbed_env.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "main.ts");

Deno.test({
  name: "scoped: import with local binaries, export to OUTPUT_ROOT and to SFTP",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
    const sftp = testbedEnv("PLASTROND_TEST_SFTP");
    const config = await writeTestConfig(server);
    const outputRoot = join(config.dir, "exports");
    await Deno.mkdir(outputRoot);
    const remote = await Deno.makeTempDir({ prefix: "plastrond-scoped-sftp-" });
    const tree = parse(await Deno.readTextFile(config.path)) as Record<string, unknown>;
    tree.COMMANDS = {
      EXPORT: {
        OUTPUT_ROOT: outputRoot,
        SSH_PRIVATE_KEY: testbedEnv("PLASTROND_TEST_SFTP_KEY"),
      },
      IMPORT: { BINARIES_ROOT: join(FIXTURES, "import") },
      SFTP_HOSTS: [sftp],
      KNOWN_HOSTS: testbedEnv("PLASTROND_TEST_SFTP_KNOWN_HOSTS"),
    };
    await Deno.writeTextFile(config.path, stringify(tree));

    const flags = await printedPermissionFlags(config.path);
    assert(flags.every((flag) => flag.includes("=")), `all scoped: ${flags.join(" ")}`);

    const daemon = new ChildRun(
      Deno.execPath(),
      ["run", "--no-prompt", ...flags, MAIN, "-c", config.path, "-v"],
      ROOT,
    );
    const client = await JobClient.open(server, config.destinations);
    try {
      await daemon.waitForOutput(/connected to .*subscribed/);
      const tag = crypto.randomUUID().slice(0, 8);
      const csv = formatCsv([
        ["Identifier", "Object Type", "Rights Statement", "Title", "Date", "FILES"],
        ...[1, 2].map((i) => [
          `scoped-${tag}-${i}`,
          "http://purl.org/dc/dcmitype/Text",
          "http://rightsstatements.org/vocab/InC/1.0/",
          `Scoped row ${i}`,
          "1950",
          "doc-003/doc-003-0001.png",
        ]),
      ]);
      const importId = `http://localhost/jobs/scoped-import-${tag}`;
      await client.send({
        PlastronCommand: "import",
        PlastronJobId: importId,
        "PlastronArg-model": "Item",
        "PlastronArg-relpath": `plastrond-test/scoped-${tag}`,
        "PlastronArg-binaries-location": join(FIXTURES, "import/files"),
        "content-type": "text/csv",
      }, await csv);
      const imported = await client.completion(importId, 120_000);
      const importBody = JSON.parse(new TextDecoder().decode(imported.body));
      assertEquals(imported.headers.PlastronJobStatus, "Done", JSON.stringify(importBody));
      const uris: string[] = importBody.uris.created;
      assertEquals(uris.length, 2);

      const exportJob = async (dest: string, format: string) => {
        const id = `http://localhost/jobs/scoped-export-${tag}-${crypto.randomUUID()}`;
        await client.send({
          PlastronCommand: "export",
          PlastronJobId: id,
          "PlastronArg-format": format,
          "PlastronArg-output-dest": dest,
          "PlastronArg-export-binaries": "true",
        }, uris.join("\n"));
        const completion = await client.completion(id, 120_000);
        return {
          status: completion.headers.PlastronJobStatus,
          error: completion.headers.PlastronJobError,
          body: JSON.parse(new TextDecoder().decode(completion.body)),
        };
      };
      const local = await exportJob("scoped.zip", "turtle");
      assertEquals(local.status, "Done", JSON.stringify(local));
      assert((await Deno.stat(join(outputRoot, "scoped.zip"))).size > 0);

      const { host, port } = hostPort(sftp);
      const user = testbedEnv("PLASTROND_TEST_SFTP_USER");
      const overSftp = await exportJob(`sftp://${user}@${host}:${port}${remote}/scoped.zip`, "csv");
      assertEquals(overSftp.status, "Done", JSON.stringify(overSftp));
      assert((await Deno.stat(join(remote, "scoped.zip"))).size > 0);

      // Outside OUTPUT_ROOT the command refuses the export: an Error, not a permission crash.
      const outside = await exportJob(join(config.dir, "outside.zip"), "turtle");
      assertEquals(outside.status, "Error", JSON.stringify(outside));
      assert(/outside the export folder/.test(outside.error ?? ""), outside.error);
      assert(!/NotCapable|Requires \w+ access/.test(daemon.output), daemon.output);
    } finally {
      await client.close();
      const status = await daemon.stop();
      await Deno.remove(config.dir, { recursive: true });
      await Deno.remove(remote, { recursive: true });
      assertEquals(status.code, 0, daemon.output);
    }
  },
});
