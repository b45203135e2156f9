import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects,
} from "node:assert/strict";
import { join } from "node:path";
import { DataFactory } from "n3";
import { exportCommand } from "../../src/commands/export.ts";
import type { Config } from "../../src/config/types.ts";
import { diffQuads, quadsToRecord, recordToQuads } from "../../src/csv/graph.ts";
import { openImportCsv } from "../../src/csv/import_csv.ts";
import { BadRequestError } from "../../src/errors.ts";
import { getModel } from "../../src/models/registry.ts";
import { PREFIXES } from "../../src/rdf/namespaces.ts";
import { RepositoryClient } from "../../src/repository/client.ts";
import { CuttingHttpProxy } from "../support/cutting_http_proxy.ts";
import {
  compareRdf,
  extractZip,
  listZip,
  parseTurtle,
  unzipTest,
  validateBag,
} from "../support/independent_tools.ts";
import {
  type CreatedObject,
  createObjectsFromCsv,
  FIXTURES,
  testConfig,
} from "../support/pcdm_objects.ts";
import { importBed, runImportJob } from "../helpers/import_job.ts";
import { runCommand } from "../support/run_command.ts";
import { hostPort, testbedEnv } from "../support/testbed_env.ts";

interface Fixture {
  items: CreatedObject[];
  letters: CreatedObject[];
}

let fixture: Promise<Fixture> | undefined;

/** The objects of items-basic.csv and letters.csv, created once in the real Fedora. */
function objects(): Promise<Fixture> {
  fixture ??= (async () => {
    const repo = await RepositoryClient.create(testConfig().repository);
    try {
      const items = (await createObjectsFromCsv(repo, "Item", "items-basic.csv")).objects;
      const letters = (await createObjectsFromCsv(repo, "Letter", "letters.csv")).objects;
      return { items, letters };
    } finally {
      repo.close();
    }
  })();
  return fixture;
}

let reorderedObject: Promise<string> | undefined;

/**
 * An object imported (by the import command) with its pages in an order
 * that is not the name order of their files: 0003, 0001, 0002.
 */
function reordered(): Promise<string> {
  reorderedObject ??= (async () => {
    const bed = await importBed();
    try {
      const csv = "Identifier,Object Type,Rights Statement,Title,FILES\n" +
        "reordered-1,http://purl.org/dc/dcmitype/Text,http://rightsstatements.org/vocab/UND/1.0/," +
        "Pages out of name order," +
        "doc-002/doc-002-0003.tif;doc-002/doc-002-0001.tif;doc-002/doc-002-0002.tif\n";
      const run = await runImportJob(bed, csv, {
        model: "Item",
        "binaries-location": join(FIXTURES, "files"),
      });
      const [uri] = (run.result.body.uris as { created: string[] }).created;
      assert(uri, JSON.stringify(run.result.body));
      return uri;
    } finally {
      await bed.close();
    }
  })();
  return reorderedObject;
}

/** The files of a reordered() object in page order. */
const REORDERED_FILES = ["doc-002-0003.tif", "doc-002-0001.tif", "doc-002-0002.tif"];

async function withOutputRoot(fn: (root: string, config: Config) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "plastrond-export-test-" });
  try {
    await fn(root, testConfig({ export: { outputRoot: root } }));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** unzip -t, PyPI bagit validation; returns the extracted bag folder. */
async function checkBag(zipPath: string, root: string): Promise<string> {
  const tested = await unzipTest(zipPath);
  assertEquals(tested.code, 0, tested.stdout + tested.stderr);
  assertMatch(tested.stdout, /No errors detected/);
  const dir = await extractZip(zipPath);
  const bag = join(dir, root);
  const validated = await validateBag(bag);
  assertEquals(validated.code, 0, validated.stderr);
  assertMatch(validated.stdout, /^VALID /);
  return bag;
}

function folderOf(uri: string): string {
  return uri.split("/").pop()!;
}

Deno.test("Turtle export with binaries to a local path: valid bag, parsable Turtle, files in order", async () => {
  const { items } = await objects();
  const out = await reordered();
  await withOutputRoot(async (root, config) => {
    const run = await runCommand(exportCommand, config, {
      "format": "text/turtle",
      "output-dest": "exports/items-ttl.zip",
      "export-binaries": true,
    }, [...items.map((o) => `  ${o.uri}  `), out].join("\n") + `\n\n${items[0].uri}\n`);
    assertEquals(run.result.status, "Done");
    assertEquals(run.result.state, "export_complete");
    assertEquals(run.result.body.count, { total: 6, exported: 6, errors: 0 });
    assertEquals(run.result.body.content_type, "text/turtle");
    assertEquals(run.progress.length, 6);
    assertEquals(run.progress.at(-1), {
      count: { total: 6, exported: 6, errors: 0 },
      state: "export_in_progress",
      progress: 100,
    });

    const zipPath = join(root, "exports/items-ttl.zip");
    const bag = await checkBag(zipPath, "items-ttl");
    const triples = await parseTurtle(join(bag, "data/metadata.ttl"));
    assertEquals(triples.code, 0, triples.stderr);
    assert(Number(triples.stdout) > 100, `rdflib read ${triples.stdout} triples`);
    const ttl = await Deno.readTextFile(join(bag, "data/metadata.ttl"));
    assertMatch(ttl, /^@prefix dcterms: <http:\/\/purl\.org\/dc\/terms\/>\./m);
    assertMatch(ttl, /dcterms:title "Harbor survey sketch"/);

    // every binary of every object is in that object's folder, byte for byte
    const repo = await RepositoryClient.create(config.repository);
    try {
      const entries = await listZip(zipPath);
      for (const object of items) {
        const files = [...object.pages.flatMap((p) => p.files), ...object.itemFiles];
        for (const file of files) {
          const inBag = join(bag, "data", folderOf(object.uri), file.name);
          assertEquals(
            await Deno.readFile(inBag),
            await Deno.readFile(join(FIXTURES, "files", file.path)),
          );
          const entry = entries.find((e) =>
            e.name === `items-ttl/data/${folderOf(object.uri)}/${file.name}`
          );
          const modified = new Date((await repo.head(file.uri)).lastModified!);
          assertEquals(entry?.mtime, [
            modified.getFullYear(),
            modified.getMonth() + 1,
            modified.getDate(),
            modified.getHours(),
            modified.getMinutes(),
            modified.getSeconds() - (modified.getSeconds() % 2),
          ]);
        }
      }
    } finally {
      repo.close();
    }
    // the binaries are in the bag in page order (a page's files by name), then the object's own
    const entries = await listZip(zipPath);
    const inBag = (uri: string) =>
      entries.filter((e) => e.name.startsWith(`items-ttl/data/${folderOf(uri)}/`))
        .map((e) => e.name.split("/").pop());
    for (const object of items) {
      assertEquals(inBag(object.uri), [
        ...object.pages.flatMap((p) => p.files.map((f) => f.name).sort()),
        ...object.itemFiles.map((f) => f.name),
      ]);
    }
    assertEquals(inBag(out), REORDERED_FILES, "the ORE order, not the names' order");
    // nothing but the archive is left in the destination folder
    assertEquals([...Deno.readDirSync(join(root, "exports"))].map((e) => e.name), [
      "items-ttl.zip",
    ]);
  });
});

Deno.test("CSV export without binaries: one file per model, system columns, rows read back unchanged", async () => {
  const { items, letters } = await objects();
  await withOutputRoot(async (root, config) => {
    const run = await runCommand(exportCommand, config, {
      "format": "csv",
      "output-dest": "mixed.zip",
      "uri-template": "https://digital.example.edu/result/id/{uuid}",
    }, [...items, ...letters].map((o) => o.uri).join("\n"));
    assertEquals(run.result.status, "Done");
    assertEquals(run.result.body.count, {
      total: items.length + letters.length,
      exported: items.length + letters.length,
      errors: 0,
    });
    assertEquals(run.result.body.file_extension, ".csv");
    const bag = await checkBag(join(root, "mixed.zip"), "mixed");
    const data = [...Deno.readDirSync(join(bag, "data"))].map((e) => e.name).sort();
    assertEquals(data, ["Item_metadata.csv", "Letter_metadata.csv"]);

    const repo = await RepositoryClient.create(config.repository);
    try {
      for (const [model, created] of [["Item", items], ["Letter", letters]] as const) {
        const text = await Deno.readTextFile(join(bag, "data", `${model}_metadata.csv`));
        const header = text.split("\n")[0].split(",");
        for (const column of ["URI", "PUBLIC URI", "CREATED", "MODIFIED", "INDEX"]) {
          assert(header.includes(column), `${model} CSV has ${column}`);
        }
        assert(!header.includes("FILES"), "no FILES column without binaries");
        const csv = await openImportCsv(getModel(model)!, text);
        let rows = 0;
        for await (const row of csv.rows) {
          rows++;
          assertEquals(row.problems, [], `row ${row.line} reads back without problems`);
          assert(row.uri, "row has its URI");
          const object = created.find((o) => o.uri === row.uri);
          assert(object, `row URI ${row.uri} is one of the exported objects`);
          // what an import of this row would compute: no difference from the repository
          const { graph } = await repo.getGraph(row.uri!);
          const current = quadsToRecord(getModel(model)!, graph, row.uri!).managed;
          const desired = recordToQuads(getModel(model)!, row.values, row.uri!);
          const diff = diffQuads(current, desired);
          assertEquals({ deletes: diff.deletes.length, inserts: diff.inserts.length }, {
            deletes: 0,
            inserts: 0,
          }, `row ${row.line} would be unchanged`);
        }
        assertEquals(rows, created.length);
        const uuid = folderOf(created[0].uri);
        assert(text.includes(`https://digital.example.edu/result/id/${uuid}`), "PUBLIC URI filled");
      }
    } finally {
      repo.close();
    }
  });
});

Deno.test("CSV export with binaries: FILES and ITEM_FILES point at the exported files; binary-types filters", async () => {
  const { items } = await objects();
  const out = await reordered();
  await withOutputRoot(async (root, config) => {
    const run = await runCommand(exportCommand, config, {
      "format": "text/csv",
      "output-dest": "tiffs.zip",
      "export-binaries": true,
      "binary-types": "image/tiff, application/pdf",
    }, [...items.map((o) => o.uri), out].join("\n"));
    assertEquals(run.result.state, "export_complete");
    const bag = await checkBag(join(root, "tiffs.zip"), "tiffs");
    const csv = await openImportCsv(
      getModel("Item")!,
      await Deno.readTextFile(join(bag, "data/Item_metadata.csv")),
    );
    let rows = 0;
    for await (const row of csv.rows) {
      rows++;
      if (row.uri === out) {
        // FILES lists the pages in the ORE order, not the names' order
        assertEquals(row.pages, REORDERED_FILES.map((f) => ({ files: [`${folderOf(out)}/${f}`] })));
        continue;
      }
      const object = items.find((o) => o.uri === row.uri)!;
      const tifs = object.pages.map((p) => p.files.filter((f) => f.name.endsWith(".tif")));
      assertEquals(
        row.pages.map((p) => p.files),
        tifs.filter((t) => t.length > 0).map((t) =>
          t.map((f) => `${folderOf(object.uri)}/${f.name}`)
        ),
      );
      assertEquals(row.itemFiles, object.itemFiles.map((f) => `${folderOf(object.uri)}/${f.name}`));
      for (const path of [...row.pages.flatMap((p) => p.files), ...row.itemFiles]) {
        await Deno.stat(join(bag, "data", path)); // exists
      }
    }
    assertEquals(rows, items.length + 1);
    const pngs = (await listZip(join(root, "tiffs.zip"))).filter((e) => e.name.endsWith(".png"));
    assertEquals(pngs, []);
  });
});

Deno.test("exports stream to SFTP (Turtle with binaries, CSV without) and validate", async () => {
  const { items } = await objects();
  const { host, port } = hostPort(testbedEnv("PLASTROND_TEST_SFTP"));
  const user = testbedEnv("PLASTROND_TEST_SFTP_USER");
  const remote = await Deno.makeTempDir({ prefix: "plastrond-sftp-export-" });
  const local = await Deno.makeTempDir({ prefix: "plastrond-sftp-copy-" });
  try {
    const config = testConfig({
      export: { sshPrivateKey: testbedEnv("PLASTROND_TEST_SFTP_KEY") },
      knownHosts: testbedEnv("PLASTROND_TEST_SFTP_KNOWN_HOSTS"),
      sftpHosts: [`${host}:${port}`],
    });
    for (
      const [format, binaries, name] of [
        ["turtle", true, "over-sftp-ttl"],
        ["csv", false, "over-sftp-csv"],
      ] as const
    ) {
      const dest = `sftp://${user}@${host}:${port}${remote}/${name}.zip`;
      const run = await runCommand(exportCommand, config, {
        "format": format,
        "output-dest": dest,
        "export-binaries": binaries,
      }, items.map((o) => o.uri).join("\n"));
      assertEquals(run.result.status, "Done", JSON.stringify(run.result));
      assertEquals(run.result.body.download_uri, dest);
      // fetch it back with the system's sftp client and validate the copy
      const copy = join(local, `${name}.zip`);
      const get = await new Deno.Command("sftp", {
        args: [
          "-q",
          "-b",
          "-",
          "-i",
          testbedEnv("PLASTROND_TEST_SFTP_KEY"),
          "-P",
          String(port),
          "-o",
          `UserKnownHostsFile=${testbedEnv("PLASTROND_TEST_SFTP_KNOWN_HOSTS")}`,
          "-o",
          "StrictHostKeyChecking=yes",
          `${user}@${host}`,
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = get.stdin.getWriter();
      await w.write(new TextEncoder().encode(`get ${remote}/${name}.zip ${copy}\n`));
      await w.close();
      const out = await get.output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      const bag = await checkBag(copy, name);
      const dataFolders = [...Deno.readDirSync(join(bag, "data"))].filter((e) => e.isDirectory);
      assertEquals(dataFolders.length, binaries ? 3 : 0); // doc-001..003 have files
    }
    assertEquals([...Deno.readDirSync(remote)].map((e) => e.name).sort(), [
      "over-sftp-csv.zip",
      "over-sftp-ttl.zip",
    ]);
  } finally {
    await Deno.remove(remote, { recursive: true });
    await Deno.remove(local, { recursive: true });
  }
});

Deno.test("missing, tombstoned and broken objects are listed; the others are exported (partial_export)", async () => {
  const fedora = new URL(testbedEnv("PLASTROND_TEST_FEDORA"));
  const proxy = new CuttingHttpProxy({ host: fedora.hostname, port: Number(fedora.port) });
  const base = testConfig();
  const viaProxy = `http://127.0.0.1:${proxy.port}${fedora.pathname}`;
  try {
    const repo = await RepositoryClient.create({ ...base.repository, restEndpoint: viaProxy });
    let good: CreatedObject[];
    let gone: string;
    let broken: string;
    try {
      good = (await createObjectsFromCsv(repo, "Item", "items-basic.csv")).objects.slice(0, 2);
      const { namedNode, literal, quad } = DataFactory;
      const title = namedNode(PREFIXES.dcterms + "title");
      gone = await repo.createContainer({ graph: [] });
      await repo.delete(gone);
      broken = await repo.createContainer({
        graph: [quad(namedNode(""), title, literal("has a big binary"))],
      });
      const big = new Uint8Array(3 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 65536) {
        crypto.getRandomValues(big.subarray(i, i + 65536));
      }
      await repo.createContainer({ uri: `${broken}/f` });
      const { uri: bigUri } = await repo.createBinary({
        parent: `${broken}/f`,
        body: big,
        contentType: "application/octet-stream",
        filename: "big.bin",
      });
      await repo.patch(broken, {
        deletes: [],
        inserts: [quad(namedNode(broken), namedNode(PREFIXES.pcdm + "hasFile"), namedNode(bigUri))],
      });
      proxy.markers.add(`GET ${new URL(bigUri).pathname} `);
    } finally {
      repo.close();
    }
    const missing = `${viaProxy}/no-such-object-${crypto.randomUUID()}`;
    await withOutputRoot(async (root) => {
      const config = testConfig({ export: { outputRoot: root } });
      config.repository.restEndpoint = viaProxy;
      const body = [good[0].uri, missing, gone, broken, good[1].uri].join("\n");
      const run = await runCommand(exportCommand, config, {
        "output-dest": "partial.zip",
        "export-binaries": true,
      }, body);
      assertEquals(run.result.status, "Done");
      assertEquals(run.result.state, "partial_export");
      assertEquals(run.result.body.type, "partial_export");
      assertEquals(run.result.body.count, { total: 5, exported: 2, errors: 3 });
      const errors = run.result.body.errors as { uri: string; reason: string }[];
      assertEquals(errors.map((e) => e.uri), [missing, gone, broken]);
      assertMatch(errors[0].reason, /404|no such resource/);
      assertMatch(errors[1].reason, /410|tombstone|deleted/);
      assertMatch(errors[2].reason, /broke|incomplete|connection/i);
      assert(proxy.cuts >= 1, "the download was really cut");
      const bag = await checkBag(join(root, "partial.zip"), "partial");
      const folders = [...Deno.readDirSync(join(bag, "data"))].filter((e) => e.isDirectory)
        .map((e) => e.name).sort();
      assertEquals(folders, [folderOf(good[0].uri), folderOf(good[1].uri)].sort());
      const ttl = await Deno.readTextFile(join(bag, "data/metadata.ttl"));
      assert(!ttl.includes(broken), "the broken object left nothing in the metadata");

      const none = await runCommand(
        exportCommand,
        config,
        { "output-dest": "none.zip" },
        [
          missing,
          gone,
          "not a uri",
        ].join("\n"),
      );
      assertEquals(none.result.status, "Failed");
      assertEquals(none.result.body.count, { total: 3, exported: 0, errors: 3 });
      assertMatch(none.result.error ?? "", /none of the 3 object\(s\) could be exported/);
      assertEquals([...Deno.readDirSync(root)].map((e) => e.name), ["partial.zip"]);
    });
  } finally {
    await proxy.close();
  }
});

Deno.test("output-dest with .. or outside OUTPUT_ROOT is refused before anything is written", async () => {
  const { items } = await objects();
  await withOutputRoot(async (root, config) => {
    const outside = await Deno.makeTempDir();
    try {
      for (const dest of ["../escape.zip", "a/../../escape.zip", join(outside, "x.zip")]) {
        await rejects(
          () => runCommand(exportCommand, config, { "output-dest": dest }, items[0].uri),
          BadRequestError,
        );
      }
      await rejects(
        () =>
          runCommand(
            exportCommand,
            config,
            { "output-dest": "x.zip", format: "pdf" },
            items[0].uri,
          ),
        /format "pdf" is not supported/,
      );
      await rejects(
        () => runCommand(exportCommand, config, { "output-dest": "x.zip" }, "\n  \n"),
        /lists no URIs/,
      );
      assertEquals([...Deno.readDirSync(root)], []);
      assertEquals([...Deno.readDirSync(outside)], []);
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  });
});

/** A local HTTP server that records every request it gets (it must get none). */
function requestSpy() {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    requests.push(`${request.method} ${request.url}`);
    return new Response("", { status: 404 });
  });
  return { requests, base: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

Deno.test("URIs outside REST_ENDPOINT, and links of an object that leave it, are refused and never requested", async () => {
  const { items } = await objects();
  const spy = requestSpy();
  try {
    const endpoint = testbedEnv("PLASTROND_TEST_FEDORA").replace(/\/+$/, "");
    const { host, pathname } = new URL(endpoint);
    const { namedNode, quad } = DataFactory;
    const repo = await RepositoryClient.create(testConfig().repository);
    let linksFile: string;
    let linksPages: string;
    try {
      // objects of the repository whose file / first proxy point at the spy
      linksFile = await repo.createContainer({
        graph: [
          quad(namedNode(""), namedNode(PREFIXES.pcdm + "hasFile"), namedNode(`${spy.base}/f`)),
        ],
      });
      linksPages = await repo.createContainer({
        graph: [
          quad(namedNode(""), namedNode(PREFIXES.iana + "first"), namedNode(`${spy.base}/x`)),
        ],
      });
    } finally {
      repo.close();
    }
    const foreign = [
      `${spy.base}${pathname}/${folderOf(items[0].uri)}`,
      `${endpoint}/../../outside`,
      `${endpoint}-other/object`,
      `http://fedoraAdmin:secret@${host}${pathname}/object`,
      `https://${host}${pathname}/object`,
    ];
    await withOutputRoot(async (root, config) => {
      const run = await runCommand(exportCommand, config, {
        "output-dest": "foreign.zip",
        "export-binaries": true,
      }, [items[0].uri, ...foreign, linksFile, linksPages].join("\n"));
      assertEquals([run.result.status, run.result.state], ["Done", "partial_export"]);
      assertEquals(run.result.body.count, { total: 8, exported: 1, errors: 7 });
      const errors = run.result.body.errors as { uri: string; reason: string }[];
      assertEquals(errors.map((e) => e.uri), [...foreign, linksFile, linksPages]);
      for (const { uri, reason } of errors.slice(0, foreign.length)) {
        assertMatch(reason, /^not in this repository: /, uri);
      }
      assertMatch(errors[5].reason, new RegExp(`file ${spy.base}/f is not in this repository`));
      assertMatch(
        errors[6].reason,
        new RegExp(`ORE proxy ${spy.base}/x is not in this repository`),
      );
      await checkBag(join(root, "foreign.zip"), "foreign");
    });
    assertEquals(spy.requests, [], "the spy got no request (so no credentials)");
  } finally {
    await spy.close();
  }
});

Deno.test("memory stays flat however many objects: each fetched object is dropped once it is written", async () => {
  // 24 objects of 2 MiB each in memory (a description of a million two-byte characters):
  // kept until the end they would add 36 MiB to the heap between the 6th and the last object
  const { namedNode, literal, quad } = DataFactory;
  const description = "ā".repeat(1_000_000);
  const repo = await RepositoryClient.create(testConfig().repository);
  const uris: string[] = [];
  try {
    const container = await repo.createContainer({ parent: repo.endpoint });
    for (let i = 0; i < 24; i++) {
      uris.push(
        await repo.createContainer({
          parent: container,
          graph: [
            quad(namedNode(""), namedNode(PREFIXES.dcterms + "title"), literal(`Large ${i}`)),
            quad(namedNode(""), namedNode(PREFIXES.dcterms + "description"), literal(description)),
          ],
        }),
      );
    }
  } finally {
    repo.close();
  }
  await withOutputRoot(async (root, config) => {
    const probe = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--expose-gc",
        new URL("./_export_memory_probe.ts", import.meta.url).pathname,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = probe.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify({
      config: { ...config, daemon: { ...config.daemon, jobWorkers: 2 } },
      args: { format: "text/turtle", "output-dest": "large.zip", "export-binaries": false },
      body: uris.join("\n"),
    })));
    await writer.close();
    const out = await probe.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const { heap, result } = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      heap: number[];
      result: { status: string; body: { count: unknown } };
    };
    assertEquals(result.status, "Done", JSON.stringify(result));
    assertEquals(result.body.count, { total: 24, exported: 24, errors: 0 });
    assertEquals(heap.length, 24);
    const growth = (heap[23] - heap[5]) / 2 ** 20;
    assert(
      growth < 12,
      `the heap grew by ${growth.toFixed(1)} MiB from the 6th to the 24th object`,
    );
    await checkBag(join(root, "large.zip"), "large");
  });
});

Deno.test("N-Triples and JSON-LD exports hold the same triples as the Turtle export (read back by rdflib)", async () => {
  const { items, letters } = await objects();
  const body = [...items, ...letters].map((o) => o.uri).join("\n");
  await withOutputRoot(async (root, config) => {
    const files: Record<string, string> = {};
    for (
      const [format, name, extension, type] of [
        ["turtle", "as-ttl", ".ttl", "text/turtle"],
        ["application/n-triples", "as-nt", ".nt", "application/n-triples"],
        ["application/ld+json", "as-jsonld", ".jsonld", "application/ld+json"],
      ] as const
    ) {
      const run = await runCommand(exportCommand, config, {
        format,
        "output-dest": `${name}.zip`,
        "export-binaries": true,
      }, body);
      assertEquals([run.result.status, run.result.state], ["Done", "export_complete"]);
      assertEquals([run.result.body.content_type, run.result.body.file_extension], [
        type,
        extension,
      ]);
      const bag = await checkBag(join(root, `${name}.zip`), name);
      const data = [...Deno.readDirSync(join(bag, "data"))].filter((e) => e.isFile)
        .map((e) => e.name);
      assertEquals(data, [`metadata${extension}`]);
      files[extension] = join(bag, "data", `metadata${extension}`);
    }
    for (const [extension, rdflibFormat] of [[".nt", "nt"], [".jsonld", "json-ld"]]) {
      const compared = await compareRdf(files[".ttl"], "turtle", files[extension], rdflibFormat);
      assertEquals(compared.code, 0, compared.stderr);
      const [ttlCount, count, isomorphic] = compared.stdout.trim().split(" ");
      assert(Number(ttlCount) > 100, `rdflib read ${ttlCount} triples from the Turtle`);
      assertEquals([count, isomorphic], [ttlCount, "True"], `${extension}: ${compared.stdout}`);
    }
    // N-Triples: one triple a line; JSON-LD: one expanded node object per subject
    const nt = (await Deno.readTextFile(files[".nt"])).trim().split("\n");
    assert(nt.every((line) => /^(<[^>]+>|_:\S+) <[^>]+> .+ \.$/.test(line)));
    const nodes = JSON.parse(await Deno.readTextFile(files[".jsonld"])) as Record<
      string,
      unknown
    >[];
    const ids = nodes.map((n) => n["@id"]);
    assertEquals(new Set(ids).size, ids.length);
    for (const object of [...items, ...letters]) assert(ids.includes(object.uri), object.uri);
    const doc1 = nodes.find((n) => n["@id"] === items[0].uri)!;
    assertEquals(doc1["http://purl.org/dc/terms/title"], [{ "@value": "Harbor survey sketch" }]);
    assert((doc1["@type"] as string[]).includes(PREFIXES.pcdm + "Object"));
  });
});
