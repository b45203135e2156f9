/**
 * `export`: pull objects out of the repository into one ZIP of a BagIt 1.0
 * bag — metadata as Turtle, N-Triples, JSON-LD or CSV, optionally with the binaries —
 * written to a local path or streamed to an SFTP server (SPEC §4).
 *
 * Objects are fetched by a small pool (`DAEMON.JOB_WORKERS`); each one's
 * binaries are spooled to temporary files and verified, and only a complete
 * object is written into the bag, in the order the URIs were given. A
 * failing object is counted and listed and the export goes on.
 *
 * @module
 */
import { join } from "node:path";
import { getLogger } from "@logtape/logtape";
import { BagWriter } from "../bagit/bag.ts";
import { BadRequestError } from "../errors.ts";
import { outsideRepositoryReason } from "../models/validate.ts";
import { RepositoryClient } from "../repository/client.ts";
import { openExportDestination } from "../transfer/open_destination.ts";
import { isSftpUri, redactSftpUri } from "../transfer/sftp.ts";
import {
  createMetadataWriter,
  type ExportFormat,
  exportFormatNames,
  FORMAT_EXTENSIONS,
  type MetadataWriter,
  parseExportFormat,
  type PreparedMetadata,
} from "./export/metadata.ts";
import { objectFolderBase, objectUuid, safeName, UniqueNames } from "./export/names.ts";
import { BinaryReader } from "./export/binary_reader.ts";
import { MemoryPacer } from "./export/memory.ts";
import { spoolBinary, type SpooledBinary } from "./export/spool.ts";
import { type FileInfo, readObjectStructure } from "./export/structure.ts";
import { EXPORT_DEFINITION } from "./definitions.ts";
import type { Command, CommandContext, CommandResult, Progress } from "./types.ts";

const logger = getLogger(["plastrond", "commands", "export"]);

/** One object that could not be exported, as listed in the result. */
export interface ExportError {
  uri: string;
  reason: string;
}

/** The arguments of an export, checked. */
export interface ExportOptions {
  format: ExportFormat;
  outputDest: string;
  exportBinaries: boolean;
  /** Lower-case MIME types; `undefined` means all. */
  binaryTypes?: string[];
  uriTemplate?: string;
}

/** An object fetched and ready to be written into the bag. */
interface ReadyObject {
  uri: string;
  metadata: PreparedMetadata;
  binaries: { bagPath: string; spooled: SpooledBinary }[];
  dir: string;
}

/**
 * The URIs of an export body: one per line, blank lines and surrounding
 * white space ignored, duplicates kept once (first occurrence).
 */
export function parseUriList(body: string): string[] {
  const seen = new Set<string>();
  for (const line of body.split(/\r?\n|\r/)) {
    const uri = line.trim();
    if (uri !== "") seen.add(uri);
  }
  return [...seen];
}

/** Check the parsed arguments of an export job. */
export function exportOptions(args: CommandContext["args"]): ExportOptions {
  const formatArg = String(args["format"] ?? "text/turtle");
  const format = parseExportFormat(formatArg);
  if (!format) {
    throw new BadRequestError(
      `argument format ${JSON.stringify(formatArg)} is not supported; use one of ${
        exportFormatNames().join(", ")
      }`,
    );
  }
  const outputDest = args["output-dest"];
  if (typeof outputDest !== "string" || outputDest.trim() === "") {
    throw new BadRequestError(
      "argument output-dest is missing; give a file name such as my-export.zip " +
        "or sftp://user@host/path/my-export.zip",
    );
  }
  const types = typeof args["binary-types"] === "string"
    ? args["binary-types"].split(",").map((t) => t.trim().toLowerCase()).filter((t) => t !== "")
    : [];
  const uriTemplate = typeof args["uri-template"] === "string" && args["uri-template"] !== ""
    ? args["uri-template"]
    : undefined;
  return {
    format,
    outputDest: outputDest.trim(),
    exportBinaries: args["export-binaries"] === true,
    binaryTypes: types.length > 0 ? types : undefined,
    uriTemplate,
  };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The `export` command. */
export const exportCommand: Command = {
  ...EXPORT_DEFINITION,
  async *run(context: CommandContext): AsyncGenerator<Progress, CommandResult, void> {
    const options = exportOptions(context.args);
    const uris = parseUriList(context.body);
    if (uris.length === 0) {
      throw new BadRequestError("the body lists no URIs to export; send one URI per line");
    }
    const onBehalfOf = context.onBehalfOf ??
      (typeof context.args["on-behalf-of"] === "string" ? context.args["on-behalf-of"] : undefined);
    const where = isSftpUri(options.outputDest)
      ? redactSftpUri(options.outputDest)
      : options.outputDest;
    logger.info(
      "export {jobId}: {total} object(s) as {format} to {where}, binaries: {binaries}, on behalf of {onBehalfOf}",
      {
        jobId: context.jobId,
        total: uris.length,
        format: options.format,
        where,
        binaries: options.exportBinaries,
        onBehalfOf: onBehalfOf ?? "(nobody)",
      },
    );

    const destination = await openExportDestination(options.outputDest, context.config.commands);
    const workDir = await Deno.makeTempDir({ prefix: "plastrond-export-" });
    const repo = await RepositoryClient.create(context.config.repository, { onBehalfOf });
    const reader = await BinaryReader.create(context.config.repository, { onBehalfOf });
    const stop = new AbortController();
    const signal = AbortSignal.any([context.signal, stop.signal]);
    /** Objects being fetched, by index; each is dropped once written (memory stays flat). */
    const inFlight = new Map<number, Promise<ReadyObject>>();
    const pacer = new MemoryPacer();
    try {
      const bag = new BagWriter(destination.writable, {
        root: safeName(destination.name),
        info: {
          "External-Description":
            `Export of ${uris.length} repository object(s) as ${options.format}`,
          "Internal-Sender-Identifier": context.jobId,
        },
      });
      const metadata = createMetadataWriter(options.format, workDir, {
        exportBinaries: options.exportBinaries,
      });
      const folders = new UniqueNames();
      const errors: ExportError[] = [];
      let exported = 0;
      const total = uris.length;
      const workers = Math.max(1, Math.min(context.config.daemon.jobWorkers ?? 1, 16));

      let next = 0;
      const startNext = () => {
        if (next >= uris.length) return;
        const index = next++;
        const folder = folders.take(objectFolderBase(uris[index]));
        const task = fetchObject(repo, reader, uris[index], folder, index, {
          options,
          metadata,
          workDir,
          signal,
          pacer,
        });
        task.catch(() => {}); // handled when its turn comes
        inFlight.set(index, task);
      };
      for (let k = 0; k < workers; k++) startNext();

      for (let index = 0; index < uris.length; index++) {
        let ready: ReadyObject | undefined;
        const task = inFlight.get(index)!;
        inFlight.delete(index);
        try {
          ready = await task;
        } catch (error) {
          context.signal.throwIfAborted();
          errors.push({ uri: uris[index], reason: reasonOf(error) });
          logger.warn("export {jobId}: {uri} not exported: {reason}", {
            jobId: context.jobId,
            uri: uris[index],
            reason: reasonOf(error),
          });
        }
        startNext();
        if (ready) {
          try {
            for (const { bagPath, spooled } of ready.binaries) {
              const file = await Deno.open(spooled.path, { read: true });
              await bag.addPayload(bagPath, file.readable.pipeThrough(pacer.counter()), {
                mtime: spooled.lastModified,
                size: spooled.size,
              });
            }
            await metadata.append(ready.metadata);
            exported++;
          } finally {
            await Deno.remove(ready.dir, { recursive: true }).catch(() => {});
          }
        }
        context.signal.throwIfAborted();
        yield {
          count: { total, exported, errors: errors.length },
          state: "export_in_progress",
          progress: Math.floor(((index + 1) / total) * 100),
        };
      }

      const count = { total, exported, errors: errors.length };
      const base = {
        content_type: options.format,
        file_extension: FORMAT_EXTENSIONS[options.format],
        count,
        errors,
        progress: 100,
      };
      if (exported === 0) {
        await bag.abort(new Error("nothing to export"));
        await destination.discard();
        const error = `none of the ${total} object(s) could be exported; ` +
          `first problem: ${errors[0]?.uri}: ${errors[0]?.reason}`;
        return {
          status: "Failed",
          state: "export_failed",
          error,
          body: { type: "export_failed", ...base, state: "export_failed", error },
        };
      }
      const now = new Date();
      for (const file of await metadata.files()) {
        const handle = await Deno.open(file.file, { read: true });
        await bag.addPayload(file.bagPath, handle.readable, {
          mtime: now,
          size: file.size,
          compress: true,
        });
      }
      const summary = await bag.finish();
      await destination.commit();
      const state = errors.length === 0 ? "export_complete" : "partial_export";
      logger.info(
        "export {jobId}: {exported} of {total} exported ({errors} failed), {bytes} bytes to {where}",
        {
          jobId: context.jobId,
          exported,
          total,
          errors: errors.length,
          bytes: summary.bytes,
          where,
        },
      );
      return {
        status: "Done",
        state,
        body: {
          type: state,
          ...base,
          state,
          ...(isSftpUri(options.outputDest) ? { download_uri: where } : {}),
          output_dest: destination.location,
          bag: {
            bytes: summary.bytes,
            payload_oxum: `${summary.payloadBytes}.${summary.payloadFiles}`,
          },
        },
      };
    } catch (error) {
      await destination.discard();
      throw error;
    } finally {
      stop.abort(new Error("export finished"));
      await Promise.allSettled(inFlight.values());
      repo.close();
      reader.close();
      await Deno.remove(workDir, { recursive: true }).catch(() => {});
    }
  },
};

/** Fetch one object, its structure, metadata and (when asked) its verified binaries. */
async function fetchObject(
  repo: RepositoryClient,
  reader: BinaryReader,
  uri: string,
  folder: string,
  index: number,
  job: {
    options: ExportOptions;
    metadata: MetadataWriter;
    workDir: string;
    signal: AbortSignal;
    pacer: MemoryPacer;
  },
): Promise<ReadyObject> {
  const { options, metadata, workDir, signal, pacer } = job;
  if (!URL.canParse(uri)) {
    throw new Error("not a URI; each line of the body must be a repository URI");
  }
  const outside = outsideRepositoryReason(uri, repo.endpoint);
  if (outside) {
    throw new Error(
      `not in this repository: the URI ${outside}; only the repository's own objects are exported`,
    );
  }
  // A CSV without binaries lists no pages or files: the object alone is read.
  const objectOnly = options.format === "text/csv" && !options.exportBinaries;
  const structure = await readObjectStructure(repo, reader, uri, signal, { objectOnly });
  const wanted = (f: FileInfo) =>
    options.exportBinaries &&
    (options.binaryTypes === undefined || options.binaryTypes.includes(f.mimeType));
  const selected = [...structure.pages.flatMap((p) => p.files), ...structure.files].filter(wanted);
  const names = new UniqueNames();
  const binaryPaths = new Map<string, string>();
  const digests = new Map(selected.map((f) => [f.uri, f.digest]));
  for (const file of selected) {
    if (!binaryPaths.has(file.uri)) {
      binaryPaths.set(file.uri, `${folder}/${names.take(safeName(file.filename))}`);
    }
  }
  const prepared = await metadata.prepare(structure, {
    binaryPaths,
    publicUri: options.uriTemplate?.replaceAll("{uuid}", objectUuid(uri)),
  });
  const dir = join(workDir, `object-${index}`);
  await Deno.mkdir(dir);
  try {
    const binaries: ReadyObject["binaries"] = [];
    let n = 0;
    for (const [binaryUri, bagPath] of binaryPaths) {
      signal.throwIfAborted();
      const spooled = await spoolBinary(
        reader,
        binaryUri,
        join(dir, `binary-${n++}`),
        digests.get(binaryUri),
        signal,
        pacer,
      );
      binaries.push({ bagPath, spooled });
    }
    return { uri, metadata: prepared, binaries, dir };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}
