/**
 * The export command through the whole daemon: export jobs sent over the
 * real brokers to plastrond running as a child process, against the real
 * Fedora. The completion carries the protocol headers of SPEC §3 and §4
 * (`Done`/`partial_export`, `Failed`/`export_failed`), progress arrives
 * first, and the bag it wrote validates with the independent tools.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import type { ReceivedMessage } from "../../src/broker/types.ts";
import { RepositoryClient } from "../../src/repository/client.ts";
import { createBrokerConnection } from "../../src/broker/stomp_connection.ts";
import { brokerConfig, waitFor } from "../helpers/broker_env.ts";
import { DaemonProcess, writeTestConfig } from "../helpers/daemon_process.ts";
import { JobClient } from "../helpers/job_client.ts";
import { extractZip, unzipTest, validateBag } from "../support/independent_tools.ts";
import { createObjectsFromCsv, testConfig } from "../support/pcdm_objects.ts";
import { testbedEnv } from "../support/testbed_env.ts";

const decode = (m: ReceivedMessage) => JSON.parse(new TextDecoder().decode(m.body));

for (
  const [label, variable] of [
    ["RabbitMQ over WebSocket", "PLASTROND_TEST_RABBITMQ_WS"],
    ["ActiveMQ over TCP", "PLASTROND_TEST_ACTIVEMQ_TCP"],
  ] as const
) {
  Deno.test({
    name: `export jobs on ${label}: progress, then Done/partial_export or Failed with its error`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const server = testbedEnv(variable);
      const repo = await RepositoryClient.create(testConfig().repository);
      const { objects } = await createObjectsFromCsv(repo, "Item", "items-basic.csv");
      const missing = `${repo.endpoint}/plastrond-test/missing-${crypto.randomUUID()}`;
      repo.close();

      const dir = await Deno.makeTempDir({ prefix: "plastrond-export-daemon-" });
      const outputRoot = join(dir, "exports");
      await Deno.mkdir(outputRoot);
      const config = await writeTestConfig(server, {
        dir,
        commands: { EXPORT: { OUTPUT_ROOT: outputRoot } },
      });
      const progress: ReceivedMessage[] = [];
      const watcher = createBrokerConnection(brokerConfig(server));
      watcher.subscribe(config.destinations.status, (m) => {
        m.ack();
        progress.push(m);
      });
      watcher.start();
      const daemon = await DaemonProcess.start(config.path);
      const client = await JobClient.open(server, config.destinations);
      try {
        await waitFor(() => watcher.connected, 20_000, "the progress watcher to connect");
        const partialId = `http://archelon.example.edu/export_jobs/${crypto.randomUUID()}`;
        await client.send({
          PlastronCommand: "export",
          PlastronJobId: partialId,
          PlastronStatusURL: "http://archelon.example.edu/export_jobs/status/1",
          "PlastronArg-format": "text/csv",
          "PlastronArg-output-dest": "daemon-export.zip",
          "PlastronArg-export-binaries": "yes",
        }, [objects[0].uri, missing, objects[1].uri].join("\n"));
        const done = await client.completion(partialId, 120_000);
        const body = decode(done);
        assertEquals(done.headers.PlastronJobStatus, "Done", JSON.stringify(body));
        assertEquals(done.headers.PlastronJobState, "partial_export");
        assertEquals(done.headers.persistent, "true");
        assertEquals(
          done.headers.PlastronStatusURL,
          "http://archelon.example.edu/export_jobs/status/1",
        );
        assertEquals(body.count, { total: 3, exported: 2, errors: 1 });
        assertEquals(body.errors.map((e: { uri: string }) => e.uri), [missing]);
        assertMatch(body.errors[0].reason, /not found|404/i);
        assertEquals(body.content_type, "text/csv");

        const mine = progress.filter((m) => m.headers.PlastronJobId === partialId);
        assert(mine.length >= 1, "at least one progress message before the completion");
        assertEquals(decode(mine.at(-1)!).count, { total: 3, exported: 2, errors: 1 });

        const zip = join(outputRoot, "daemon-export.zip");
        const listed = await unzipTest(zip);
        assertEquals(listed.code, 0, listed.stdout);
        const bag = join(await extractZip(zip), "daemon-export");
        const validated = await validateBag(bag);
        assertEquals(validated.code, 0, validated.stderr);
        assert((await Deno.stat(join(bag, "data/Item_metadata.csv"))).isFile);

        const failedId = `http://archelon.example.edu/export_jobs/${crypto.randomUUID()}`;
        await client.send({
          PlastronCommand: "export",
          PlastronJobId: failedId,
          "PlastronArg-output-dest": "nothing.zip",
        }, `${missing}\nnot a uri\n`);
        const failed = await client.completion(failedId, 60_000);
        assertEquals(failed.headers.PlastronJobStatus, "Failed");
        assertEquals(failed.headers.PlastronJobState, "export_failed");
        assertMatch(failed.headers.PlastronJobError ?? "", /none of the 2 object\(s\)/);
        assertEquals(decode(failed).count, { total: 2, exported: 0, errors: 2 });
        const left = [...Deno.readDirSync(outputRoot)].map((e) => e.name);
        assertEquals(left, ["daemon-export.zip"], "a failed export leaves no file behind");
      } finally {
        await client.close();
        await watcher.stop();
        await daemon.stop();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
