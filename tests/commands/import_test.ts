/**
 * The import command against the real Fedora of the test bed (and the real
 * sshd for SFTP binaries): every expected outcome of the shared fixtures,
 * the PCDM layout, round trips, binaries from every kind of location,
 * failed uploads and resumed jobs.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { createHash } from "node:crypto";
import { DataFactory } from "n3";
import { type FileEntry, TextWriter, Uint8ArrayReader, ZipReader } from "@zip.js/zip.js";
import { exportCommand } from "../../src/commands/export.ts";
import { join } from "node:path";
import { diffQuads, quadsToRecord } from "../../src/csv/graph.ts";
import { openImportCsv } from "../../src/csv/import_csv.ts";
import { ISSUE } from "../../src/models/issue.ts";
import { ITEM } from "../../src/models/item.ts";
import { LETTER } from "../../src/models/letter.ts";
import { POSTER } from "../../src/models/poster.ts";
import type { ContentModel } from "../../src/models/types.ts";
import type { RecordValues } from "../../src/models/values.ts";
import { BadRequestError } from "../../src/errors.ts";
import { PREFIXES } from "../../src/rdf/namespaces.ts";
import { jobFileName } from "../../src/store/job_file_name.ts";
import type { RepositoryClient } from "../../src/repository/client.ts";
import { type BinarySource, DirectorySource } from "../../src/transfer/binary_source.ts";
import { fixture } from "../helpers/import_fixtures.ts";
import { CuttingHttpProxy } from "../support/cutting_http_proxy.ts";
import {
  type ImportBed,
  importBed,
  type ImportRun,
  type ReadFile,
  readImported,
  runImportJob,
} from "../helpers/import_job.ts";
import { hostPort, testbedEnv } from "../support/testbed_env.ts";

const read = (relative: string) => Deno.readTextFile(fixture(relative));
/** The row errors of a run, for assertion messages. */
const errorsOf = (run: ImportRun) => JSON.stringify(run.result.body.errors ?? []);
const created = (run: ImportRun) => (run.result.body.uris as { created: string[] }).created;
const updated = (run: ImportRun) => (run.result.body.uris as { updated: string[] }).updated;

async function withBed(fn: (bed: ImportBed) => Promise<void>) {
  const bed = await importBed();
  try {
    await fn(bed);
  } finally {
    await bed.close();
  }
}

/** The objects directly in the bed's container. */
async function objectsIn(bed: ImportBed): Promise<string[]> {
  return (await bed.repo.children(bed.container)).sort();
}

async function recordOf(
  repo: RepositoryClient,
  model: ContentModel,
  uri: string,
): Promise<RecordValues> {
  return quadsToRecord(model, (await repo.getGraph(uri, { omitServerManaged: true })).graph, uri)
    .record;
}

const identifierOf = (record: RecordValues) => record.fields.identifier?.[0]?.value ?? "";

/** Per identifier: metadata, and pages as [title, [filename, mime, sha256]…] in order, and item files. */
async function describeObjects(repo: RepositoryClient, model: ContentModel, uris: string[]) {
  const out: Record<string, unknown> = {};
  for (const uri of uris) {
    const structure = await readImported(repo, uri);
    const record = quadsToRecord(model, structure.graph, uri).record;
    const files = (list: ReadFile[]) =>
      list.map((f) => [f.filename, f.mimeType, f.sha256, f.isPcdmFile]);
    const pages = structure.pages.map((page) => [page.title, files(page.files)]);
    out[identifierOf(record) || uri] = { record, pages, itemFiles: files(structure.files) };
  }
  return out;
}

async function sha256Of(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

Deno.test("items-basic: 5 objects with their pages, files and ORE order; export → import is unchanged; one changed cell changes one triple", async () => {
  await withBed(async (bed) => {
    const run = await runImportJob(bed, await read("import/items-basic.csv"), {
      model: "Item",
      "binaries-location": fixture("import/files"),
      access: "umdaccess:Public",
      "member-of": "http://example.org/collections/harbor",
    });
    assertEquals([run.result.status, run.result.state], ["Done", "import_complete"], errorsOf(run));
    assertEquals(run.count, {
      total: 5,
      rows: 5,
      valid: 5,
      invalid: 0,
      updated: 5,
      created: 5,
      unchanged: 0,
      errors: 0,
      files: 10,
    });
    // progress after each row
    assertEquals(run.progress.length, 6);
    assertEquals(run.progress.map((p) => (p.count as { rows: number }).rows), [0, 1, 2, 3, 4, 5]);
    // SPEC §3 shape: state and an integer percentage
    assertEquals(
      run.progress.map((p) => [p.state, p.progress]),
      [0, 20, 40, 60, 80, 100].map((n) => ["import_in_progress", n]),
    );
    assertEquals(created(run).sort(), await objectsIn(bed));

    const objects = await describeObjects(bed.repo, ITEM, created(run)) as Record<
      string,
      {
        pages: [string, [string, string, string, boolean][]][];
        itemFiles: [string, string, string, boolean][];
      }
    >;
    const dir = fixture("import/files");
    const doc1 = objects["doc-001"];
    assertEquals(doc1.pages.map(([title, files]) => [title, files.map((f) => f[0])]), [
      ["Page 1", ["doc-001-0001.tif", "doc-001-0001.png"].sort()],
      ["Page 2", ["doc-001-0002.tif", "doc-001-0002.png"].sort()],
    ]);
    for (const [, files] of doc1.pages) {
      for (const [name, mime, sha, isPcdmFile] of files) {
        assertEquals(sha, await sha256Of(join(dir, "doc-001", name)), name);
        assertEquals(mime, name.endsWith(".tif") ? "image/tiff" : "image/png");
        assert(isPcdmFile, `${name} is a pcdm:File`);
      }
    }
    assertEquals(doc1.itemFiles.map((f) => [f[0], f[1]]), [["doc-001.pdf", "application/pdf"]]);
    assertEquals(objects["doc-002"].pages.length, 3);
    assertEquals(objects["doc-003"].pages.length, 1);
    assertEquals(objects["doc-004"].pages.length, 0);
    assertEquals(objects["doc-005"].pages.length, 0);

    // the object's own triples: types, access, membership
    const { graph } = await bed.repo.getGraph(created(run)[0]);
    const types = graph.filter((q) =>
      q.subject.value === created(run)[0] && q.predicate.value === PREFIXES.rdf + "type"
    )
      .map((q) => q.object.value);
    for (
      const t of [PREFIXES.pcdm + "Object", PREFIXES.umd + "Item", PREFIXES.umdaccess + "Public"]
    ) {
      assert(types.includes(t), `type ${t}`);
    }
    assert(
      graph.some((q) =>
        q.predicate.value === PREFIXES.pcdm + "memberOf" &&
        q.object.value === "http://example.org/collections/harbor"
      ),
    );

    // round trip through the real export command: all unchanged, nothing written
    const csv = (await exportWithCommand(bed, created(run)))["Item_metadata.csv"];
    const again = await runImportJob(bed, csv, { model: "Item" });
    assertEquals([again.count.unchanged, again.count.updated, again.count.errors], [5, 0, 0]);
    assertEquals(again.result.state, "import_complete");

    // one changed cell: exactly that triple changes
    const target = created(run)[0];
    const before = await bed.repo.getGraph(target, { omitServerManaged: true });
    const oldTitle = (await recordOf(bed.repo, ITEM, target)).fields.title![0].value;
    const changed = csv.replace(oldTitle, `${oldTitle} (revised)`);
    const third = await runImportJob(bed, changed, { model: "Item" });
    assertEquals(
      [third.count.updated, third.count.unchanged, third.count.created],
      [1, 4, 0],
      errorsOf(third),
    );
    assertEquals(updated(third), [target]);
    const after = await bed.repo.getGraph(target, { omitServerManaged: true });
    const diff = diffQuads(before.graph, after.graph);
    assertEquals(diff.deletes.map((q) => q.object.value), [oldTitle]);
    assertEquals(diff.inserts.map((q) => q.object.value), [`${oldTitle} (revised)`]);
  });
});

Deno.test("items-tricky: every character survives import → export → import", async () => {
  await withBed(async (bed) => {
    const run = await runImportJob(bed, await read("import/items-tricky.csv"), { model: "Item" });
    assertEquals([run.count.created, run.count.invalid, run.count.errors], [3, 0, 0]);
    const values = new Set<string>();
    for (const uri of created(run)) {
      for (const q of (await bed.repo.getGraph(uri)).graph) values.add(q.object.value);
    }
    for (
      const text of [
        'Letters, volume "one"',
        "書簡集 第一巻",
        "Pipe | in title",
        "Line one of the description.\nLine two, after a newline.",
        "Back\\slash and a trailing space",
        "Ünïcödé — “quoted” title",
        "Der Proceß",
        "1920~",
        "[1910..1915]",
        "Émigrés",
        "empty values between separators",
      ]
    ) {
      assert(values.has(text), `${JSON.stringify(text)} is in the repository`);
    }
    const csv = (await exportWithCommand(bed, created(run)))["Item_metadata.csv"];
    const again = await runImportJob(bed, csv, { model: "Item" });
    assertEquals([again.count.unchanged, again.count.updated, again.count.errors], [3, 0, 0]);
  });
});

Deno.test("items-invalid: validate-only reports every problem in one pass and writes nothing; a real import writes only good-007", async () => {
  await withBed(async (bed) => {
    const csv = await read("import/items-invalid.csv");
    const args = { model: "Item", "binaries-location": fixture("import/files") };
    const check = await runImportJob(bed, csv, { ...args, "validate-only": true });
    assertEquals([check.result.status, check.result.state], ["Failed", "validate_failed"]);
    assertEquals(
      check.progress.map((p) => [p.state, p.progress]),
      [0, 14, 28, 42, 57, 71, 85, 100].map((n) => ["validate_in_progress", n]),
    );
    const validation = check.result.body.validation as {
      line: string;
      is_valid: boolean;
      failed: unknown[][];
    }[];
    assertEquals(
      validation.map((r) => [r.line, r.is_valid, r.failed.map((f) => `${f[0]}:${f[2]}`).sort()]),
      [
        ["body:2", false, ["rights:exactly"]],
        ["body:3", false, ["title:exactly"]],
        ["body:4", false, ["date:edtf"]],
        ["body:5", false, ["row:column_count"]],
        ["body:6", false, ["FILES:files_exist"]],
        ["body:7", false, ["language:language", "object_type:exactly", "title:exactly"]],
        ["body:8", true, []],
      ],
    );
    assertEquals(await objectsIn(bed), []);

    const run = await runImportJob(bed, csv, args);
    assertEquals([run.result.status, run.result.state], ["Done", "import_incomplete"]);
    assertEquals([run.count.created, run.count.invalid, run.count.errors], [1, 6, 0]);
    const objects = await objectsIn(bed);
    assertEquals(objects, created(run));
    assertEquals(identifierOf(await recordOf(bed.repo, ITEM, objects[0])), "good-007");
  });
});

Deno.test("items-unknown-header: the job is refused before any write", async () => {
  await withBed(async (bed) => {
    const run = await runImportJob(bed, await read("import/items-unknown-header.csv"), {
      model: "Item",
    });
    assertEquals(run.result.status, "Failed");
    assert(run.result.error?.includes("Colour Of Cover"));
    assertEquals(run.count.rows, 0);
    assertEquals(await objectsIn(bed), []);
  });
});

Deno.test("letters, posters and issues import as their fixtures expect", async () => {
  await withBed(async (bed) => {
    const files = fixture("import/files");
    const letters = await runImportJob(bed, await read("import/letters.csv"), {
      model: "Letter",
      "binaries-location": files,
    });
    assertEquals([letters.count.created, letters.count.invalid], [2, 0]);
    const letter = await recordOf(bed.repo, LETTER, created(letters)[0]);
    const place = letter.objects.location![0].columns;
    assertEquals(
      [place["Longitude"]?.[0].value, place["Latitude"]?.[0].value].sort(),
      ["18.6466", "54.3520"].sort(),
    );
    assertEquals(
      letter.objects.part_of![0].columns["Handle/Link"]?.[0].value,
      "http://hdl.handle.net/1903.1/00001",
    );

    const posters = await runImportJob(bed, await read("import/posters.csv"), {
      model: "Poster",
      "binaries-location": files,
    });
    assertEquals(posters.count.created, 1);
    const poster = await readImported(bed.repo, created(posters)[0]);
    assertEquals(poster.pages.map((p) => p.files.map((f) => f.filename)), [[
      "postcard-17-front.png",
    ], [
      "postcard-17-back.png",
    ]]);
    assertEquals((await recordOf(bed.repo, POSTER, created(posters)[0])).fields.alternative, [{
      value: "Fête des récoltes",
      lang: "fr",
    }]);

    const issues = await runImportJob(bed, await read("import/issues.csv"), {
      model: "Issue",
      "binaries-location": files,
    });
    assertEquals([issues.count.created, issues.count.invalid, issues.result.state], [
      2,
      1,
      "import_incomplete",
    ]);
    const first = await readImported(bed.repo, created(issues)[0]);
    assertEquals(first.pages.length, 3);
    assertEquals(
      (await recordOf(bed.repo, ISSUE, created(issues)[0])).fields.date?.[0].value,
      "1926-01-12",
    );
  });
});

Deno.test("binaries from a directory, a zip and over SFTP give the same objects", async () => {
  const { host, port } = hostPort(testbedEnv("PLASTROND_TEST_SFTP"));
  const user = testbedEnv("PLASTROND_TEST_SFTP_USER");
  const locations = [
    fixture("import/files"),
    `zip:${fixture("import/files.zip")}`,
    `sftp://${user}@${host}:${port}${fixture("import/files")}`,
    `zip+sftp://${user}@${host}:${port}${fixture("import/files.zip")}`,
  ];
  const described: unknown[] = [];
  for (const location of locations) {
    await withBed(async (bed) => {
      bed.config.commands.import.sshPrivateKey = testbedEnv("PLASTROND_TEST_SFTP_KEY");
      bed.config.commands.knownHosts = testbedEnv("PLASTROND_TEST_SFTP_KNOWN_HOSTS");
      const run = await runImportJob(bed, await read("import/items-basic.csv"), {
        model: "Item",
        "binaries-location": location,
      });
      assertEquals(
        [run.count.created, run.count.files, run.count.errors],
        [5, 10, 0],
        `${location}: ${errorsOf(run)}`,
      );
      const objects = await describeObjects(bed.repo, ITEM, created(run));
      // hash fragments and URIs differ per import; compare the rest
      described.push(JSON.parse(JSON.stringify(objects).replace(/"fragment":"[^"]*",?/g, "")));
    });
  }
  for (const other of described.slice(1)) assertEquals(other, described[0]);
});

/** A directory source whose stream for one path fails midway (fault injection). */
function failingSource(badPath: string) {
  return async (location: string): Promise<BinarySource> => {
    const real = await DirectorySource.open(location);
    return {
      location: real.location,
      exists: (p) => real.exists(p),
      close: () => real.close(),
      async get(path) {
        const binary = await real.get(path);
        if (path !== badPath) return binary;
        return {
          ...binary,
          sha256: undefined,
          body: () => {
            let sent = false;
            return new ReadableStream<Uint8Array>({
              pull(controller) {
                if (sent) return controller.error(new Error("disk read failed (injected)"));
                sent = true;
                controller.enqueue(new Uint8Array(512));
              },
            });
          },
        };
      },
    };
  };
}

Deno.test("a row whose binary upload fails leaves no partial object; the other rows are imported", async () => {
  await withBed(async (bed) => {
    const jobId = `test-import-fail-${crypto.randomUUID()}`;
    const run = await runImportJob(bed, await read("import/items-basic.csv"), {
      model: "Item",
      "binaries-location": fixture("import/files"),
    }, { jobId, dependencies: { openBinarySource: failingSource("doc-002/doc-002-0002.tif") } });
    assertEquals([run.result.status, run.result.state], ["Done", "import_incomplete"]);
    assertEquals([run.count.created, run.count.errors], [4, 1]);
    const errors = run.result.body.errors as { line: string; reason: string }[];
    assertEquals(errors.map((e) => e.line), ["body:3"]);
    const objects = await objectsIn(bed);
    assertEquals(objects, created(run).sort());
    const identifiers = [];
    for (const uri of objects) identifiers.push(identifierOf(await recordOf(bed.repo, ITEM, uri)));
    assertEquals(identifiers.sort(), ["doc-001", "doc-003", "doc-004", "doc-005"]);
    // the path minted for doc-002 holds nothing: the transaction was rolled back
    const minted = (await Deno.readTextFile(join(bed.jobsDir, jobFileName(jobId), "minted.jsonl")))
      .trim().split("\n").map((l) => JSON.parse(l) as { key: string; uri: string });
    const doc2 = minted.find((m) => m.key.includes("doc-002"));
    assert(doc2, "doc-002's path was minted before its transaction");
    assertEquals(await bed.repo.exists(doc2.uri), false);
    for (const child of ["", "/m", "/m/page-1", "/x"]) {
      assertEquals(await bed.repo.exists(doc2.uri + child), false);
    }
  });
});

for (const workers of [1, 4]) {
  Deno.test(`an import stopped midway continues where it stopped and never creates an object twice (JOB_WORKERS ${workers})`, async () => {
    await withBed(async (bed) => {
      bed.config.daemon = { ...bed.config.daemon, jobWorkers: workers };
      const jobId = `test-import-resume-${crypto.randomUUID()}`;
      const csv = await read("import/items-basic.csv");
      const args = { model: "Item", "binaries-location": fixture("import/files") };
      const stop = new AbortController();
      let stopped = false;
      try {
        await runImportJob(bed, csv, args, {
          jobId,
          signal: stop.signal,
          onProgress: (p) => {
            if ((p.count as { created: number }).created === 2) {
              stop.abort(new Error("daemon shutting down"));
            }
          },
        });
      } catch (error) {
        stopped = (error as Error).message === "daemon shutting down";
      }
      assert(stopped, "the first run stopped at a row boundary");
      const afterStop = (await objectsIn(bed)).length;
      if (workers === 1) {
        assertEquals(afterStop, 2);
      } else {
        // rows in flight when the stop came were rolled back or committed
        assert(afterStop >= 2 && afterStop <= 5, `${afterStop} objects after the stop`);
      }

      // replay of the same job id: continues (as if resume were set)
      const second = await runImportJob(bed, csv, args, { jobId });
      assertEquals([second.count.created, second.count.errors, second.count.files], [5, 0, 10]);
      assertEquals((await objectsIn(bed)).length, 5);

      // a crash after a commit but before it was recorded: the object is found, not created again
      const completed = join(bed.jobsDir, jobFileName(jobId), "completed.jsonl");
      const lines = (await Deno.readTextFile(completed)).trim().split("\n");
      await Deno.writeTextFile(
        completed,
        lines.slice(0, 3).join("\n") + "\n" + lines[3].slice(0, 10),
      );
      const third = await runImportJob(bed, "", { ...args, resume: true }, { jobId });
      assertEquals(
        [third.count.created, third.count.errors, third.count.files, third.result.state],
        [
          5,
          0,
          10,
          "import_complete",
        ],
      );
      const objects = await objectsIn(bed);
      assertEquals(objects.length, 5);
      const identifiers = [];
      for (const uri of objects) {
        identifiers.push(identifierOf(await recordOf(bed.repo, ITEM, uri)));
      }
      assertEquals(identifiers.sort(), ["doc-001", "doc-002", "doc-003", "doc-004", "doc-005"]);
    });
  });
}

Deno.test("real umd-labor-import.csv: 12 objects, 789 pages in file order, a PDF each; export → import unchanged", async () => {
  await withBed(async (bed) => {
    const started = performance.now();
    const run = await runImportJob(bed, await read("real/umd-labor-import.csv"), {
      model: "Item",
      "binaries-location": fixture("real/files"),
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`real spreadsheet: 12 objects, 801 files imported in ${seconds.toFixed(1)} s`);
    assertEquals(
      [run.count.created, run.count.files, run.count.errors, run.count.invalid],
      [12, 801, 0, 0],
      errorsOf(run),
    );
    const validation = run.result.body.validation as { warnings: string[] }[];
    assertEquals(validation.map((r) => r.warnings.length), [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    let pages = 0;
    for (const uri of created(run)) {
      const structure = await readImported(bed.repo, uri);
      const id = identifierOf(quadsToRecord(ITEM, structure.graph, uri).record);
      pages += structure.pages.length;
      structure.pages.forEach((page, i) => {
        assertEquals(page.files.map((f) => f.filename), [
          `${id}-${String(i + 1).padStart(4, "0")}.tif`,
        ]);
      });
      assertEquals(structure.files.map((f) => f.filename), [`${id}.pdf`]);
    }
    assertEquals(pages, 789);
    const csv = (await exportWithCommand(bed, created(run)))["Item_metadata.csv"];
    const again = await runImportJob(bed, csv, { model: "Item" });
    assertEquals([again.count.unchanged, again.count.updated, again.count.errors], [12, 0, 0]);
  });
});

Deno.test("limit counts the data rows read, whatever their outcome", async () => {
  await withBed(async (bed) => {
    const run = await runImportJob(bed, await read("import/items-invalid.csv"), {
      model: "Item",
      limit: 3,
    });
    assertEquals([run.count.total, run.count.rows, run.count.invalid, run.count.created], [
      3,
      3,
      3,
      0,
    ]);
    assertEquals([run.result.status, run.result.state], ["Failed", "import_failed"]);
    assertEquals(await objectsIn(bed), []);
  });
});

Deno.test("controlled vocabularies from the configuration: a local Turtle file and a URL, loaded once", async () => {
  const dir = await Deno.makeTempDir();
  let fetched = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    fetched++;
    return new Response(
      `<http://purl.org/dc/dcmitype/Text> a <http://www.w3.org/2004/02/skos/core#Concept> .
<http://purl.org/dc/dcmitype/Image> a <http://www.w3.org/2004/02/skos/core#Concept> .`,
      { headers: { "Content-Type": "text/turtle" } },
    );
  });
  try {
    await Deno.writeTextFile(
      join(dir, "rights.ttl"),
      `<http://rightsstatements.org/vocab/InC/1.0/> a <http://www.w3.org/2004/02/skos/core#Concept> .`,
    );
    await withBed(async (bed) => {
      const vocabularies = {
        Item: {
          rights: join(dir, "rights.ttl"),
          "Object Type": `http://127.0.0.1:${server.addr.port}/types-${crypto.randomUUID()}.ttl`,
        },
      };
      bed.config.commands.import = { ...bed.config.commands.import, vocabularies };
      const args = {
        model: "Item",
        "validate-only": true,
        "binaries-location": fixture("import/files"),
      };
      for (let i = 0; i < 2; i++) {
        const run = await runImportJob(bed, await read("import/items-basic.csv"), args);
        const validation = run.result.body.validation as { line: string; failed: unknown[][] }[];
        assertEquals(
          validation.map((r) => [r.line, r.failed.map((f) => `${f[0]}:${f[2]}:${f[3]}`)]),
          [
            ["body:2", []],
            ["body:3", ["rights:vocabulary:http://rightsstatements.org/vocab/NoC-US/1.0/"]],
            [
              "body:4",
              [
                "object_type:vocabulary:http://purl.org/dc/dcmitype/StillImage",
                "rights:vocabulary:http://rightsstatements.org/vocab/InC-EDU/1.0/",
              ],
            ],
            ["body:5", []],
            ["body:6", ["rights:vocabulary:http://rightsstatements.org/vocab/UND/1.0/"]],
          ],
        );
      }
      assertEquals(fetched, 1, "the URL vocabulary was fetched once for both jobs");
      bed.config.commands.import = {
        ...bed.config.commands.import,
        vocabularies: { Item: { colour: join(dir, "x.ttl") } },
      };
      const refused = await runImportJob(bed, await read("import/items-basic.csv"), args);
      assertEquals(refused.result.status, "Failed");
      assert(refused.result.error?.includes("COMMANDS.IMPORT.VOCABULARIES.Item.colour"));
    });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an object changed in the repository between read and update fails its row with 'run again'", async () => {
  await withBed(async (bed) => {
    const first = await runImportJob(bed, await read("import/items-basic.csv"), { model: "Item" });
    const target = created(first)[0];
    const csv = (await exportWithCommand(bed, [target]))["Item_metadata.csv"].replace(
      /Harbor survey sketch|Minutes of the river board|Lighthouse at dusk|Ledger of ship arrivals|Untitled map fragment/,
      "Changed by the import",
    );
    const run = await runImportJob(bed, csv, { model: "Item" }, {
      dependencies: {
        // someone else edits the object meanwhile (fault injection)
        beforeUpdate: (uri) =>
          bed.repo.patch(uri, {
            deletes: [],
            inserts: [DataFactory.quad(
              DataFactory.namedNode(uri),
              DataFactory.namedNode(PREFIXES.dcterms + "extent"),
              DataFactory.literal("edited elsewhere"),
            )],
          }),
      },
    });
    assertEquals([run.count.errors, run.count.updated], [1, 0]);
    assert(errorsOf(run).includes("changed in the repository meanwhile; run again"), errorsOf(run));
    const record = await recordOf(bed.repo, ITEM, target);
    assert(
      !record.fields.title?.some((v) => v.value === "Changed by the import"),
      "the stale update was not applied",
    );
  });
});

/**
 * Runs the real export command (CSV, without binaries unless `binaries`) and
 * returns the metadata CSV files of the bag.
 */
async function exportWithCommand(
  bed: ImportBed,
  uris: string[],
  { binaries = false }: { binaries?: boolean } = {},
): Promise<Record<string, string>> {
  const dir = await Deno.makeTempDir({ prefix: "plastrond-import-export-" });
  try {
    const zip = join(dir, "roundtrip.zip");
    const generator = exportCommand.run({
      jobId: `test-export-${crypto.randomUUID()}`,
      args: { format: "text/csv", "output-dest": zip, "export-binaries": binaries },
      body: uris.join("\n"),
      config: bed.config,
      signal: new AbortController().signal,
    });
    let step = await generator.next();
    while (!step.done) step = await generator.next();
    assertEquals(step.value.status, "Done", JSON.stringify(step.value.body));
    const reader = new ZipReader(new Uint8ArrayReader(await Deno.readFile(zip)));
    const out: Record<string, string> = {};
    for (const entry of await reader.getEntries()) {
      const name = entry.filename.split("/").pop()!;
      if (!entry.directory && name.endsWith("_metadata.csv")) {
        out[name] = await (entry as FileEntry).getData(new TextWriter());
      }
    }
    await reader.close();
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (
  const [model, file, count] of [
    ["Item", "import/items-tricky.csv", 3],
    ["Item", "import/items-basic.csv", 5],
    ["Letter", "import/letters.csv", 2],
  ] as const
) {
  Deno.test(`${file}: import → the export command's CSV → import reports every row unchanged`, async () => {
    await withBed(async (bed) => {
      const run = await runImportJob(bed, await read(file), {
        model,
        "binaries-location": fixture("import/files"),
      });
      assertEquals([run.count.created, run.count.errors], [count, 0], errorsOf(run));
      const csvs = await exportWithCommand(bed, created(run));
      const csv = csvs[`${model}_metadata.csv`];
      assert(csv, `the bag holds ${model}_metadata.csv (has ${Object.keys(csvs)})`);
      const again = await runImportJob(bed, csv, { model });
      assertEquals(
        [again.count.unchanged, again.count.updated, again.count.invalid, again.count.errors],
        [count, 0, 0, 0],
        errorsOf(again) +
          JSON.stringify(
            (again.result.body.validation as { failed: unknown[] }[]).map((r) => r.failed),
          ),
      );
    });
  });
}

Deno.test("a pool of 4 rows gives the same counts, reports, URI order, job logs and export as a pool of 1", async () => {
  const csv = await read("import/items-basic.csv");
  const outcome = async (workers: number) => {
    const bed = await importBed();
    try {
      bed.config.daemon = { ...bed.config.daemon, jobWorkers: workers };
      const jobId = `test-import-pool-${workers}-${crypto.randomUUID()}`;
      const run = await runImportJob(bed, csv, {
        model: "Item",
        "binaries-location": fixture("import/files"),
      }, { jobId });
      assertEquals(run.count.errors, 0, errorsOf(run));
      const uris = created(run);
      const identifiers: string[] = [];
      for (const uri of uris) identifiers.push(identifierOf(await recordOf(bed.repo, ITEM, uri)));
      const log = (await Deno.readTextFile(
        join(bed.jobsDir, jobFileName(jobId), "completed.jsonl"),
      )).trim().split("\n").map((line) => {
        const { line: n, outcome } = JSON.parse(line);
        return [n, outcome];
      });
      // the export of those objects, with the repository's URIs replaced by their identifiers
      // and the times the repository stamped them with masked
      const csvs = await exportWithCommand(bed, uris);
      let exported = csvs["Item_metadata.csv"];
      uris.forEach((uri, i) => exported = exported.replaceAll(uri, `<${identifiers[i]}>`));
      exported = exported.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<CREATED/MODIFIED>");
      return {
        count: run.count,
        validation: run.result.body.validation,
        progress: run.progress.map((p) => p.count),
        identifiers,
        log,
        exported,
      };
    } finally {
      await bed.close();
    }
  };
  const one = await outcome(1);
  const four = await outcome(4);
  assertEquals(one.identifiers, ["doc-001", "doc-002", "doc-003", "doc-004", "doc-005"]);
  assertEquals(four, one);
});

/** A minimal valid Item row (Identifier, Object Type, Rights Statement, Title). */
const MINIMAL_HEADER = "Identifier,Object Type,Rights Statement,Title";
const minimalRow = (id: string, title: string) =>
  `${id},http://purl.org/dc/dcmitype/Image,http://rightsstatements.org/vocab/UND/1.0/,${title}`;

Deno.test("a row whose URI is not under REST_ENDPOINT is invalid (URI in_repository) and never requested", async () => {
  const requests: string[] = [];
  const spy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    requests.push(`${request.method} ${request.url}`);
    return new Response("", { status: 404 });
  });
  try {
    await withBed(async (bed) => {
      const first = await runImportJob(bed, `${MINIMAL_HEADER}\n${minimalRow("own-1", "Own")}\n`, {
        model: "Item",
      });
      const [own] = created(first);
      const endpoint = bed.repo.endpoint;
      const { host, pathname } = new URL(endpoint);
      const foreign = [
        `http://127.0.0.1:${spy.addr.port}${pathname}/object`,
        `${endpoint}/../../outside`,
        `${endpoint}-other/object`,
        `http://fedoraAdmin:secret@${host}${pathname}/object`,
      ];
      const csv = [
        `URI,${MINIMAL_HEADER}`,
        `${own},${minimalRow("own-1", '"Own, revised"')}`,
        ...foreign.map((uri, i) => `${uri},${minimalRow(`foreign-${i}`, "Foreign")}`),
      ].join("\n") + "\n";
      for (const validateOnly of [true, false]) {
        const run = await runImportJob(bed, csv, { model: "Item", "validate-only": validateOnly });
        const validation = run.result.body.validation as { line: string; failed: unknown[][] }[];
        assertEquals(
          validation.map((r) => r.failed.map((f) => `${f[0]}:${f[2]}:${f[3]}`)),
          [[], ...foreign.map((uri) => [`URI:in_repository:${uri}`])],
        );
        assertEquals(run.count.invalid, 4);
        assertEquals(run.count.updated, validateOnly ? 0 : 1, errorsOf(run));
      }
      assertEquals(await objectsIn(bed), [own]);
      assertEquals(
        (await recordOf(bed.repo, ITEM, own)).fields.title?.map((v) => v.value),
        ["Own, revised"],
      );
    });
    assertEquals(requests, [], "the spy got no request (so no credentials)");
  } finally {
    await spy.shutdown();
  }
});

Deno.test("a CSV that cannot be parsed (an unclosed quote) is refused with the line to fix; nothing is written", async () => {
  await withBed(async (bed) => {
    const csvs: [string, number][] = [
      // the quote opened on line 3 is never closed: the parser reads to the end
      [
        [
          MINIMAL_HEADER,
          minimalRow("q-1", "One"),
          minimalRow("q-2", '"Two'),
          minimalRow("q-3", "3"),
        ]
          .join("\n") + "\n",
        3,
      ],
      // a quote in the middle of a value, on line 4
      [
        [
          MINIMAL_HEADER,
          minimalRow("q-1", "One"),
          minimalRow("q-2", "Two"),
          minimalRow("q-3", '"3"x'),
        ]
          .join("\n") + "\n",
        4,
      ],
    ];
    for (const [csv, line] of csvs) {
      for (const validateOnly of [true, false]) {
        const run = await runImportJob(bed, csv, { model: "Item", "validate-only": validateOnly });
        assertEquals([run.result.status, run.result.state], ["Failed", "validate_failed"]);
        assertEquals(run.result.body.line, `body:${line}`);
        assert(run.result.error?.startsWith("The CSV was refused, nothing was written"));
        assert(run.result.error?.includes(`line ${line}`), run.result.error);
        assert(/Quote/.test(run.result.error ?? ""), "the parser's message is kept");
        assertEquals(run.count.rows, 0);
      }
    }
    assertEquals(await objectsIn(bed), []);
  });
});

Deno.test("posters: page labels survive the real export command's CSV (FILES Label:path) and re-import unchanged", async () => {
  const fixtureCsv = await read("import/posters.csv");
  const labelled = fixtureCsv.replace(
    "postcard-17/postcard-17-front.png;postcard-17/postcard-17-back.png",
    "Front:postcard-17/postcard-17-front.png;Back:postcard-17/postcard-17-back.png",
  );
  assert(labelled !== fixtureCsv);
  for (
    const [csv, labels] of [[labelled, ["Front", "Back"]], [fixtureCsv, [
      undefined,
      undefined,
    ]]] as const
  ) {
    await withBed(async (bed) => {
      const run = await runImportJob(bed, csv, {
        model: "Poster",
        "binaries-location": fixture("import/files"),
      });
      assertEquals([run.count.created, run.count.errors], [1, 0], errorsOf(run));
      const [uri] = created(run);
      assertEquals(
        (await readImported(bed.repo, uri)).pages.map((p) => p.title),
        labels.map((l, i) => l ?? `Page ${i + 1}`),
      );
      const exported = (await exportWithCommand(bed, [uri], { binaries: true }))[
        "Poster_metadata.csv"
      ];
      const folder = uri.split("/").pop();
      const { rows } = await openImportCsv(POSTER, exported);
      const pages = [];
      for await (const row of rows) pages.push(...row.pages.map((p) => [p.label, p.files]));
      assertEquals(pages, [
        [labels[0], [`${folder}/postcard-17-front.png`]],
        [labels[1], [`${folder}/postcard-17-back.png`]],
      ]);
      const again = await runImportJob(bed, exported, { model: "Poster" });
      assertEquals(
        [again.count.unchanged, again.count.updated, again.count.invalid, again.count.errors],
        [1, 0, 0, 0],
        JSON.stringify(again.result.body.validation),
      );
    });
  }
});

Deno.test("a finished import run again counts the files of the rows it skips (kept in the completed log)", async () => {
  await withBed(async (bed) => {
    const jobId = `test-import-files-${crypto.randomUUID()}`;
    const args = { model: "Item", "binaries-location": fixture("import/files") };
    const first = await runImportJob(bed, await read("import/items-basic.csv"), args, { jobId });
    assertEquals([first.count.created, first.count.files], [5, 10], errorsOf(first));
    const completed = join(bed.jobsDir, jobFileName(jobId), "completed.jsonl");
    const records = (await Deno.readTextFile(completed)).trim().split("\n").map((l) =>
      JSON.parse(l) as { line: number; files?: number }
    );
    assertEquals(records.map((r) => [r.line, r.files]), [[2, 5], [3, 3], [4, 2], [5, 0], [6, 0]]);
    const again = await runImportJob(bed, "", { ...args, resume: true }, { jobId });
    assertEquals([again.count.created, again.count.files, again.result.state], [
      5,
      10,
      "import_complete",
    ]);
    assertEquals(created(again), created(first));
    // records of an older version without files: a created row's object has all its files
    await Deno.writeTextFile(
      completed,
      records.map(({ files: _files, ...rest }) => JSON.stringify(rest)).join("\n") + "\n",
    );
    const legacy = await runImportJob(bed, "", { ...args, resume: true }, { jobId });
    assertEquals([legacy.count.created, legacy.count.files], [5, 10]);
    assertEquals((await objectsIn(bed)).length, 5);
  });
});

Deno.test("a job id already used with another CSV is refused (the first CSV is kept); the same CSV or an empty resume continue", async () => {
  await withBed(async (bed) => {
    const jobId = `test-import-other-csv-${crypto.randomUUID()}`;
    const first = `${MINIMAL_HEADER}\n${minimalRow("csv-1", "First")}\n`;
    const other = `${MINIMAL_HEADER}\n${minimalRow("csv-2", "Other")}\n`;
    const run = await runImportJob(bed, first, { model: "Item" }, { jobId });
    assertEquals(run.count.created, 1);
    for (const resume of [false, true]) {
      await assertRejects(
        () => runImportJob(bed, other, { model: "Item", resume }, { jobId }),
        (error: Error) =>
          error instanceof BadRequestError &&
          error.message.startsWith("this job id was already used with another CSV"),
      );
    }
    assertEquals(
      await Deno.readTextFile(join(bed.jobsDir, jobFileName(jobId), "source.csv")),
      first,
    );
    assertEquals((await objectsIn(bed)).length, 1);
    // the same CSV (even with CRLF line ends), or resume with an empty body: the job continues
    const same = await runImportJob(bed, first.replaceAll("\n", "\r\n"), { model: "Item" }, {
      jobId,
    });
    const resumed = await runImportJob(bed, "", { model: "Item", resume: true }, { jobId });
    for (const again of [same, resumed]) {
      assertEquals([again.result.state, created(again)], ["import_complete", created(run)]);
    }
    assertEquals((await objectsIn(bed)).length, 1);
  });
});

Deno.test("relpath that goes up with .. or leaves the endpoint is refused as a bad request; one under it is used", async () => {
  await withBed(async (bed) => {
    const csv = `${MINIMAL_HEADER}\n${minimalRow("rel-1", "Relpath")}\n`;
    const name = `escape-${crypto.randomUUID()}`;
    for (
      const relpath of [
        `../${name}`,
        `plastrond-test/../../${name}`,
        `%2e%2e/${name}`,
        `a/%2E%2E/..//${name}`,
        `http://elsewhere.example/${name}`,
        `a?b=${name}`,
        `a\\..\\${name}`,
      ]
    ) {
      for (const validateOnly of [false, true]) {
        await assertRejects(
          () => runImportJob(bed, csv, { model: "Item", relpath, "validate-only": validateOnly }),
          (error: Error) =>
            error instanceof BadRequestError && error.message.startsWith("argument relpath"),
          relpath,
        );
      }
    }
    for (const path of [name, `a/${name}`, `plastrond-test/${name}`]) {
      assertEquals(await bed.repo.exists(`${bed.repo.endpoint}/${path}`), false, path);
    }
    assertEquals(await objectsIn(bed), []);
    // a container under the endpoint is created and used
    const inside = `${bed.container.slice(bed.repo.endpoint.length + 1)}/sub`;
    const run = await runImportJob(bed, csv, { model: "Item", relpath: inside });
    assertEquals(created(run).map((uri) => uri.slice(0, uri.lastIndexOf("/"))), [
      `${bed.container}/sub`,
    ]);
  });
});

Deno.test("a new object's commit the repository refuses (409, nothing saved) is written again; no object twice", async () => {
  const fedora = new URL(testbedEnv("PLASTROND_TEST_FEDORA"));
  const proxy = new CuttingHttpProxy({ host: fedora.hostname, port: Number(fedora.port) });
  // the first commit (PUT <endpoint>/fcr:tx/<id>) is answered as Fedora answers one it could not make
  proxy.refusals.set(`PUT ${fedora.pathname.replace(/\/+$/, "")}/fcr:tx/`, 1);
  try {
    await withBed(async (bed) => {
      const viaProxy = `http://127.0.0.1:${proxy.port}${fedora.pathname}`;
      bed.config.repository = { ...bed.config.repository, restEndpoint: viaProxy };
      bed.config.daemon = { ...bed.config.daemon, jobWorkers: 1 };
      const run = await runImportJob(bed, await read("import/items-basic.csv"), {
        model: "Item",
        "binaries-location": fixture("import/files"),
      });
      assertEquals(proxy.refused, 1, "one commit was refused");
      assertEquals(
        [run.result.state, run.count.created, run.count.files, run.count.errors],
        ["import_complete", 5, 10, 0],
        errorsOf(run),
      );
      const objects = (await objectsIn(bed)).map((uri) => uri.replace(bed.repo.endpoint, ""));
      assertEquals(
        objects,
        created(run).map((uri) => uri.replace(viaProxy.replace(/\/+$/, ""), "")).sort(),
      );
      const identifiers = [];
      for (const uri of await objectsIn(bed)) {
        identifiers.push(identifierOf(await recordOf(bed.repo, ITEM, uri)));
      }
      assertEquals(identifiers.sort(), ["doc-001", "doc-002", "doc-003", "doc-004", "doc-005"]);
    });
  } finally {
    await proxy.close();
  }
});

Deno.test("commits whose answers are lost count as created when the objects exist; nothing twice", async () => {
  const fedora = new URL(testbedEnv("PLASTROND_TEST_FEDORA"));
  // every commit (PUT <endpoint>/fcr:tx/<id>) reaches Fedora, but its answer is cut
  const proxy = new CuttingHttpProxy({ host: fedora.hostname, port: Number(fedora.port) }, 0);
  proxy.markers.add(`PUT ${fedora.pathname.replace(/\/+$/, "")}/fcr:tx/`);
  try {
    await withBed(async (bed) => {
      const viaProxy = `http://127.0.0.1:${proxy.port}${fedora.pathname}`;
      bed.config.repository = { ...bed.config.repository, restEndpoint: viaProxy };
      const run = await runImportJob(bed, await read("import/items-basic.csv"), {
        model: "Item",
        "binaries-location": fixture("import/files"),
      });
      assert(proxy.cuts >= 5, `${proxy.cuts} commit answers cut`);
      assertEquals(
        [run.result.state, run.count.created, run.count.files, run.count.errors],
        ["import_complete", 5, 10, 0],
        errorsOf(run),
      );
      const identifiers = [];
      for (const uri of await objectsIn(bed)) {
        identifiers.push(identifierOf(await recordOf(bed.repo, ITEM, uri)));
      }
      assertEquals(identifiers.sort(), ["doc-001", "doc-002", "doc-003", "doc-004", "doc-005"]);
    });
  } finally {
    await proxy.close();
  }
});
