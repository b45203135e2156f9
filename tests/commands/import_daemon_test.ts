/**
 * The import command through the whole daemon: a real broker, the daemon as
 * a child process, the real Fedora. Killed (SIGKILL) in the middle of a
 * 50-row import and restarted, the job finishes with 50 objects, none twice.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { createBrokerConnection } from "../../src/broker/stomp_connection.ts";
import type { ReceivedMessage } from "../../src/broker/types.ts";
import { formatCsv } from "../../src/csv/write.ts";
import { RepositoryClient } from "../../src/repository/client.ts";
import { jobFileName } from "../../src/store/job_file_name.ts";
import { brokerConfig, waitFor } from "../helpers/broker_env.ts";
import { DaemonProcess, writeTestConfig } from "../helpers/daemon_process.ts";
import { fixture } from "../helpers/import_fixtures.ts";
import { fedoraConfig } from "../repository/_fedora.ts";
import { testbedEnv } from "../support/testbed_env.ts";

const ROWS = 50;

/** A 50-row Item CSV; each row has one page with a TIFF and a PNG. */
function fiftyRows(tag: string): Promise<string> {
  const rows = [["Identifier", "Object Type", "Rights Statement", "Title", "Date", "FILES"]];
  for (let i = 1; i <= ROWS; i++) {
    rows.push([
      `kill-${tag}-${String(i).padStart(3, "0")}`,
      "http://purl.org/dc/dcmitype/Text",
      "http://rightsstatements.org/vocab/InC/1.0/",
      `Row ${i} of the interrupted import`,
      "1950",
      "doc-003/doc-003-0001.tif;doc-003/doc-003-0001.png",
    ]);
  }
  return formatCsv(rows);
}

function lineCount(path: string): number {
  try {
    return Deno.readTextFileSync(path).split("\n").filter((l) => l.trim() !== "").length;
  } catch {
    return 0;
  }
}

Deno.test({
  name:
    "the daemon killed in the middle of a 50-row import, restarted: the job finishes, 50 objects, none twice",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = testbedEnv("PLASTROND_TEST_RABBITMQ_TCP");
    const config = await writeTestConfig(server);
    const repo = await RepositoryClient.create(fedoraConfig());
    const relpath = `plastrond-test/import-kill-${crypto.randomUUID()}`;
    await repo.ensureContainer(`${repo.endpoint}/plastrond-test`);
    const container = `${repo.endpoint}/${relpath}`;

    const completions: ReceivedMessage[] = [];
    const client = createBrokerConnection(brokerConfig(server), {
      initialReconnectDelayMs: 300,
      maxReconnectDelayMs: 2000,
    });
    client.subscribe(config.destinations.completed, (m) => {
      m.ack();
      completions.push(m);
    });
    client.subscribe(config.destinations.status, (m) => m.ack());
    client.start();
    await waitFor(() => client.connected, 20_000, "the test client to connect");

    const jobId = `http://archelon.example.edu/import/${crypto.randomUUID()}`;
    const completedLog = join(config.storeDir, "jobs", jobFileName(jobId), "completed.jsonl");
    let daemon = await DaemonProcess.start(config.path);
    try {
      await client.send(
        config.destinations.jobs,
        {
          persistent: "true",
          PlastronCommand: "import",
          PlastronJobId: jobId,
          "PlastronArg-model": "Item",
          "PlastronArg-relpath": relpath,
          "PlastronArg-binaries-location": fixture("import/files"),
          "content-type": "text/csv",
        },
        await fiftyRows(crypto.randomUUID().slice(0, 8)),
        { receipt: true },
      );
      await waitFor(() => lineCount(completedLog) >= 10, 60_000, "10 rows imported");
      assertEquals((await daemon.stop("SIGKILL")).signal, "SIGKILL");
      const doneBeforeKill = lineCount(completedLog);
      assert(doneBeforeKill < ROWS, `killed in the middle (${doneBeforeKill} rows done)`);

      daemon = await DaemonProcess.start(config.path);
      await waitFor(
        () => completions.some((m) => m.headers.PlastronJobId === jobId),
        180_000,
        "the completion",
      );
      const completion = completions.find((m) => m.headers.PlastronJobId === jobId)!;
      const body = JSON.parse(new TextDecoder().decode(completion.body));
      assertEquals(
        completion.headers.PlastronJobStatus,
        "Done",
        JSON.stringify(body.errors ?? body),
      );
      assertEquals(
        [body.count.created, body.count.errors, body.count.invalid],
        [ROWS, 0, 0],
        JSON.stringify(body.errors),
      );

      const objects = await repo.children(container);
      assertEquals(objects.length, ROWS, "exactly 50 objects in the container");
      const identifiers = new Set<string>();
      for (const uri of objects) {
        const { graph } = await repo.getGraph(uri);
        for (const q of graph) {
          if (
            q.subject.value === uri && q.predicate.value === "http://purl.org/dc/terms/identifier"
          ) {
            identifiers.add(q.object.value);
          }
        }
      }
      assertEquals(identifiers.size, ROWS, "every row once");
      assertEquals(new Set(body.uris.created).size, ROWS);
    } finally {
      await daemon.stop();
      await client.stop();
      repo.close();
    }
  },
});
