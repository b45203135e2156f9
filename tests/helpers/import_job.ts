/**
 * Runs the import command directly (no broker) against the test bed's
 * Fedora, in a fresh container, collecting its progress and result.
 *
 * @module
 */
import type { Config } from "../../src/config/types.ts";
import type { CommandResult, ParsedArgs, Progress } from "../../src/commands/types.ts";
import { type ImportDependencies, runImport } from "../../src/commands/import.ts";
import { RepositoryClient } from "../../src/repository/client.ts";
import { testConfig } from "../support/pcdm_objects.ts";

/** A repository area and job folder of one test. */
export interface ImportBed {
  config: Config;
  /** The `RELPATH` container new objects go into. */
  container: string;
  repo: RepositoryClient;
  jobsDir: string;
  close(): Promise<void>;
}

/** A fresh container under `/plastrond-test/` and a fresh `JOBS_DIR`. */
export async function importBed(): Promise<ImportBed> {
  const jobsDir = await Deno.makeTempDir({ prefix: "plastrond-import-jobs-" });
  const base = testConfig({ import: { jobsDir } });
  const relpath = `/plastrond-test/import-${crypto.randomUUID()}`;
  const config: Config = { ...base, repository: { ...base.repository, relpath } };
  const repo = await RepositoryClient.create(config.repository);
  await repo.ensureContainer(`${repo.endpoint}/plastrond-test`);
  await repo.ensureContainer(repo.baseContainer);
  return {
    config,
    container: repo.baseContainer,
    repo,
    jobsDir,
    async close() {
      repo.close();
      await Deno.remove(jobsDir, { recursive: true }).catch(() => {});
    },
  };
}

/** One run of an import job. */
export interface ImportRun {
  progress: Progress[];
  result: CommandResult;
  count: Record<string, number>;
}

/** Runs one import job to its end (or until `signal` aborts it, which rejects). */
export async function runImportJob(
  bed: ImportBed,
  body: string,
  args: ParsedArgs,
  options: {
    jobId?: string;
    signal?: AbortSignal;
    dependencies?: ImportDependencies;
    onProgress?: (p: Progress) => void;
  } = {},
): Promise<ImportRun> {
  const generator = runImport({
    jobId: options.jobId ?? `test-import-${crypto.randomUUID()}`,
    args: { "validate-only": false, resume: false, ...args },
    body,
    config: bed.config,
    signal: options.signal ?? new AbortController().signal,
  }, options.dependencies);
  const progress: Progress[] = [];
  for (;;) {
    const step = await generator.next();
    if (step.done) {
      return {
        progress,
        result: step.value,
        count: step.value.body.count as Record<string, number>,
      };
    }
    progress.push(step.value);
    options.onProgress?.(step.value);
  }
}

/** A binary as read back. */
export interface ReadFile {
  uri: string;
  filename: string;
  mimeType: string;
  sha256?: string;
  isPcdmFile: boolean;
}

/** An imported object as read back from the repository. */
export interface ReadObject {
  graph: import("n3").Quad[];
  /** Pages along the ORE proxy chain (`iana:first` → `iana:next`). */
  pages: { uri: string; title?: string; files: ReadFile[] }[];
  /** The object's own files. */
  files: ReadFile[];
}

const NS = {
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  pcdm: "http://pcdm.org/models#",
  iana: "http://www.iana.org/assignments/relation/",
  ore: "http://www.openarchives.org/ore/terms/",
  dcterms: "http://purl.org/dc/terms/",
  ebucore: "http://www.ebu.ch/metadata/ontologies/ebucore/ebucore#",
};

function objects(graph: import("n3").Quad[], s: string, p: string): string[] {
  return graph.filter((q) => q.subject.value === s && q.predicate.value === p).map((q) =>
    q.object.value
  );
}

async function readFiles(
  repo: RepositoryClient,
  graph: import("n3").Quad[],
  uri: string,
): Promise<ReadFile[]> {
  const files: ReadFile[] = [];
  for (const fileUri of objects(graph, uri, NS.pcdm + "hasFile")) {
    const head = await repo.head(fileUri, { fixity: true });
    const description = (await repo.getGraph(fileUri)).graph;
    files.push({
      uri: fileUri,
      filename: objects(description, fileUri, NS.ebucore + "filename")[0] ?? "",
      mimeType:
        (objects(description, fileUri, NS.ebucore + "hasMimeType")[0] ?? head.contentType ?? "")
          .split(";")[0],
      sha256: head.sha256,
      isPcdmFile: objects(description, fileUri, NS.rdf + "type").includes(NS.pcdm + "File"),
    });
  }
  return files.sort((a, b) => a.filename.localeCompare(b.filename));
}

/** Reads an object the way SPEC §5 lays it out, independently of the export command. */
export async function readImported(repo: RepositoryClient, uri: string): Promise<ReadObject> {
  const graph = (await repo.getGraph(uri)).graph;
  const pages: ReadObject["pages"] = [];
  const seen = new Set<string>();
  let proxy = objects(graph, uri, NS.iana + "first")[0];
  while (proxy && !seen.has(proxy)) {
    seen.add(proxy);
    const proxyGraph = (await repo.getGraph(proxy)).graph;
    if (!objects(proxyGraph, proxy, NS.ore + "proxyIn").includes(uri)) {
      throw new Error(`${proxy} is not in ${uri}`);
    }
    const page = objects(proxyGraph, proxy, NS.ore + "proxyFor")[0];
    const pageGraph = (await repo.getGraph(page)).graph;
    pages.push({
      uri: page,
      title: objects(pageGraph, page, NS.dcterms + "title")[0],
      files: await readFiles(repo, pageGraph, page),
    });
    proxy = objects(proxyGraph, proxy, NS.iana + "next")[0];
  }
  return { graph, pages, files: await readFiles(repo, graph, uri) };
}
