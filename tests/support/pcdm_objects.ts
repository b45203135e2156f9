/**
 * Lays out PCDM objects in the real repository the way SPEC §5 describes
 * an import (object, pages under `<object>/m`, files under `<page>/f`, ORE
 * proxies under `<object>/x`, item-level files under `<object>/f`), from the
 * rows of a fixture CSV read with the project's CSV reader. Used by export
 * tests until the import command exists.
 *
 * @module
 */
import { join } from "node:path";
import { DataFactory, type Quad } from "n3";
import type { Config } from "../../src/config/types.ts";
import { recordToQuads } from "../../src/csv/graph.ts";
import { openImportCsv } from "../../src/csv/import_csv.ts";
import { getModel } from "../../src/models/registry.ts";
import { PREFIXES } from "../../src/rdf/namespaces.ts";
import type { RepositoryClient } from "../../src/repository/client.ts";
import { FIXTURES as FIXTURES_ROOT } from "../helpers/import_fixtures.ts";
import { testbedEnv } from "./testbed_env.ts";

const { namedNode, literal, quad } = DataFactory;
const p = (curie: string) => {
  const [prefix, local] = curie.split(":");
  return namedNode(PREFIXES[prefix] + local);
};

/** The import fixtures folder (`tests/fixtures/import`). */
export const FIXTURES = join(FIXTURES_ROOT, "import");

/** A created object and what it holds. */
export interface CreatedObject {
  uri: string;
  identifier: string;
  pages: { uri: string; files: { uri: string; name: string; path: string }[] }[];
  itemFiles: { uri: string; name: string; path: string }[];
}

/** A `Config` for the real test Fedora (other sections filled with harmless values). */
export function testConfig(overrides: Partial<Config["commands"]> = {}): Config {
  const endpoint = testbedEnv("PLASTROND_TEST_FEDORA");
  return {
    file: "/dev/null",
    repository: {
      restEndpoint: endpoint,
      relpath: "/",
      fedoraUser: testbedEnv("PLASTROND_TEST_FEDORA_USER"),
      fedoraPassword: testbedEnv("PLASTROND_TEST_FEDORA_PASSWORD"),
    },
    broker: {
      server: "127.0.0.1:1",
      address: { transport: "tcp", host: "127.0.0.1", port: 1 },
      messageStoreDir: "/nonexistent",
      heartbeat: { send: 0, receive: 0 },
      destinations: {
        jobs: "/queue/j",
        jobStatus: "/queue/s",
        jobsCompleted: "/queue/c",
        jobProgress: "/queue/s",
      },
    },
    daemon: {
      maxConcurrentJobs: 1,
      jobWorkers: 4,
      shutdownGraceSeconds: 1,
      maxBodyBytes: 1 << 20,
      maxAttempts: 3,
      retentionDays: 1,
    },
    commands: { export: {}, import: { jobsDir: "/nonexistent" }, raw: {}, ...overrides },
    warnings: [],
    envVars: [],
  };
}

const MIME: Record<string, string> = {
  ".tif": "image/tiff",
  ".png": "image/png",
  ".pdf": "application/pdf",
  ".jpg": "image/jpeg",
};

function mimeOf(name: string): string {
  return MIME[name.slice(name.lastIndexOf(".")).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Create every valid row of `csvFile` (a fixture of `model`) under a new
 * container, with its binaries from `FIXTURES/files`.
 */
export async function createObjectsFromCsv(
  repo: RepositoryClient,
  modelName: string,
  csvFile: string,
): Promise<{ container: string; objects: CreatedObject[] }> {
  const model = getModel(modelName);
  if (!model) throw new Error(`no model ${modelName}`);
  const container = await repo.createContainer({ parent: repo.endpoint });
  const csv = await openImportCsv(model, await Deno.readTextFile(join(FIXTURES, csvFile)));
  const objects: CreatedObject[] = [];
  for await (const row of csv.rows) {
    if (row.problems.length > 0 || row.tooManyCells) continue;
    const uri = `${container}/${crypto.randomUUID()}`;
    const identifier = row.values.fields.identifier?.[0]?.value ?? `row-${row.line}`;
    const pageUris = row.pages.map((_, i) => `${uri}/m/page-${i + 1}`);
    const proxyUris = row.pages.map((_, i) => `${uri}/x/proxy-${i + 1}`);
    const graph: Quad[] = recordToQuads(model, row.values, uri);
    const s = namedNode(uri);
    for (const page of pageUris) graph.push(quad(s, p("pcdm:hasMember"), namedNode(page)));
    if (proxyUris.length > 0) {
      graph.push(quad(s, p("iana:first"), namedNode(proxyUris[0])));
      graph.push(quad(s, p("iana:last"), namedNode(proxyUris[proxyUris.length - 1])));
    }
    await repo.createContainer({ uri, graph });
    await repo.createContainer({ uri: `${uri}/m` });
    await repo.createContainer({ uri: `${uri}/x` });
    const created: CreatedObject = { uri, identifier, pages: [], itemFiles: [] };
    for (const [i, page] of row.pages.entries()) {
      const pageUri = pageUris[i];
      const ps = namedNode(pageUri);
      await repo.createContainer({
        uri: pageUri,
        graph: [
          quad(ps, p("rdf:type"), p("pcdm:Object")),
          quad(ps, p("rdf:type"), p("fabio:Page")),
          quad(ps, p("dcterms:title"), literal(page.label ?? `Page ${i + 1}`)),
          quad(ps, p("fabio:hasSequenceNumber"), literal(String(i + 1), p("xsd:integer"))),
          quad(ps, p("pcdm:memberOf"), s),
        ],
      });
      await repo.createContainer({ uri: `${pageUri}/f` });
      const files = [];
      for (const path of page.files) {
        const name = path.split("/").pop()!;
        const bytes = await Deno.readFile(join(FIXTURES, "files", path));
        const { uri: fileUri } = await repo.createBinary({
          parent: `${pageUri}/f`,
          body: bytes,
          contentType: mimeOf(name),
          filename: name,
        });
        files.push({ uri: fileUri, name, path });
      }
      created.pages.push({ uri: pageUri, files });
      const x = namedNode(proxyUris[i]);
      const proxy = [
        quad(x, p("rdf:type"), p("ore:Proxy")),
        quad(x, p("ore:proxyFor"), ps),
        quad(x, p("ore:proxyIn"), s),
      ];
      if (i > 0) proxy.push(quad(x, p("iana:prev"), namedNode(proxyUris[i - 1])));
      if (i < proxyUris.length - 1) {
        proxy.push(quad(x, p("iana:next"), namedNode(proxyUris[i + 1])));
      }
      await repo.createContainer({ uri: proxyUris[i], graph: proxy });
    }
    if (row.itemFiles.length > 0) {
      await repo.createContainer({ uri: `${uri}/f` });
      const inserts: Quad[] = [];
      for (const path of row.itemFiles) {
        const name = path.split("/").pop()!;
        const bytes = await Deno.readFile(join(FIXTURES, "files", path));
        const { uri: fileUri } = await repo.createBinary({
          parent: `${uri}/f`,
          body: bytes,
          contentType: mimeOf(name),
          filename: name,
        });
        created.itemFiles.push({ uri: fileUri, name, path });
        inserts.push(quad(s, p("pcdm:hasFile"), namedNode(fileUri)));
      }
      await repo.patch(uri, { deletes: [], inserts });
    }
    objects.push(created);
  }
  return { container, objects };
}
