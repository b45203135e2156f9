/**
 * The daemon's message store: the crash-safe record of every request it has
 * taken from the broker and every completion it owes the broker.
 *
 * Layout under `MESSAGE_STORE_DIR`:
 * - `inbox/<job>.json` — requests taken and acked but not finished;
 * - `outbox/<time>-<uuid>.json` — completions not yet confirmed by a RECEIPT;
 * - `finished/<job>.json` — finished jobs with their completion (for
 *   de-duplication and re-sending), kept for `RETENTION_DAYS`;
 * - `rejected/<time>-<uuid>.json` — messages without a job id, completions
 *   the broker kept refusing, and damaged store files moved aside
 *   (`<time>-<uuid>-damaged-<folder>.json`, as they were);
 * - `plastrond.lock` — held by the one daemon using the store.
 *
 * `<job>` is {@linkcode jobFileName} of the job id.
 *
 * @module
 */
import { join } from "node:path";
import { getLogger } from "@logtape/logtape";
import { StoreError } from "../errors.ts";
import { removeFile, removeTempFiles, syncDir, writeFileAtomic } from "./atomic_file.ts";
import { jobFileName } from "./job_file_name.ts";
import { finishedProblem, outboxProblem, requestProblem } from "./record_shapes.ts";

const log = getLogger(["plastrond", "store"]);

/** A frame to send to the broker. */
export interface OutgoingMessage {
  destination: string;
  headers: Record<string, string>;
  body: string;
}

/** A request as kept in the inbox. */
export interface StoredRequest {
  jobId: string;
  /** The frame's headers as received. */
  headers: Record<string, string>;
  /** The body bytes, base64-encoded (bodies need not be UTF-8). */
  bodyBase64: string;
  /** Identity of the request (command, arguments and body), to spot a reused job id. */
  fingerprint: string;
  /** Unix milliseconds when it was received. */
  receivedAt: number;
  /** How many runs were started; a run cut short by a crash stays counted. */
  attempts: number;
}

/** A finished job as kept in `finished/`. */
export interface FinishedRecord {
  jobId: string;
  fingerprint: string;
  finishedAt: number;
  /**
   * `receivedAt` of the inbox request whose run this record ends; 0 for a
   * request that was answered without being stored (a bad request). A newer
   * request for the same job id (a `resume`) is thereby not mistaken for
   * finished. Absent in records of earlier versions.
   */
  requestReceivedAt?: number;
  completion: OutgoingMessage;
}

/** An outbox entry: its file name and its message. */
export interface OutboxEntry {
  id: string;
  /** The job the message is about. */
  jobId: string;
  /** The job's command, when known (for an `Error` completion in its place). */
  command?: string;
  message: OutgoingMessage;
}

const FOLDERS = ["inbox", "outbox", "finished", "rejected"] as const;

/** Tells what is wrong with a parsed file's content, or undefined when it is usable. */
type ShapeCheck = (value: unknown) => string | undefined;

/** The message store of one daemon. Open it with {@linkcode MessageStore.open}. */
export class MessageStore {
  readonly dir: string;
  #lock: Deno.FsFile;

  private constructor(dir: string, lock: Deno.FsFile) {
    this.dir = dir;
    this.#lock = lock;
  }

  /**
   * Create the folders if needed, take the store's lock and remove leftovers
   * of interrupted writes. Throws {@linkcode StoreError} when another daemon
   * holds the lock or the folder cannot be used.
   */
  static async open(dir: string): Promise<MessageStore> {
    try {
      for (const folder of FOLDERS) await Deno.mkdir(join(dir, folder), { recursive: true });
    } catch (error) {
      throw new StoreError(
        `cannot create the message store in ${dir}: ${(error as Error).message}; ` +
          "check MESSAGE_BROKER.MESSAGE_STORE_DIR and its permissions",
        { cause: error },
      );
    }
    const lock = await Deno.open(join(dir, "plastrond.lock"), {
      read: true,
      write: true,
      create: true,
    });
    let locked = false;
    try {
      locked = await lock.tryLock(true);
    } catch (error) {
      lock.close();
      throw new StoreError(`cannot lock ${dir}: ${(error as Error).message}`, { cause: error });
    }
    if (!locked) {
      lock.close();
      throw new StoreError(
        `the message store ${dir} is in use by another plastrond; ` +
          "give each daemon its own MESSAGE_BROKER.MESSAGE_STORE_DIR",
      );
    }
    for (const folder of FOLDERS) await removeTempFiles(join(dir, folder));
    return new MessageStore(dir, lock);
  }

  /** Release the lock. */
  close(): void {
    try {
      this.#lock.unlockSync();
    } catch { /* already released */ }
    this.#lock.close();
  }

  #inboxPath(jobId: string): string {
    return join(this.dir, "inbox", `${jobFileName(jobId)}.json`);
  }

  #finishedPath(jobId: string): string {
    return join(this.dir, "finished", `${jobFileName(jobId)}.json`);
  }

  /** Write (or rewrite) a request in the inbox, durably. */
  async putRequest(request: StoredRequest): Promise<void> {
    await writeFileAtomic(this.#inboxPath(request.jobId), JSON.stringify(request));
  }

  /** The inbox entry of a job, if any (a damaged one is moved aside and counts as none). */
  getRequest(jobId: string): Promise<StoredRequest | undefined> {
    return this.#readChecked<StoredRequest>("inbox", `${jobFileName(jobId)}.json`, requestProblem);
  }

  /** Remove a job's inbox entry. */
  async removeRequest(jobId: string): Promise<void> {
    await removeFile(this.#inboxPath(jobId));
  }

  /** Every request in the inbox, oldest first. */
  async listRequests(): Promise<StoredRequest[]> {
    const requests = await this.#readFolder<StoredRequest>("inbox", requestProblem);
    return requests.sort((a, b) => a.receivedAt - b.receivedAt);
  }

  /** Record a finished job with its completion. */
  async putFinished(record: FinishedRecord): Promise<void> {
    await writeFileAtomic(this.#finishedPath(record.jobId), JSON.stringify(record));
  }

  /**
   * The finished record of a job, if it finished (and was not yet expired);
   * a damaged one is moved aside and counts as none.
   */
  getFinished(jobId: string): Promise<FinishedRecord | undefined> {
    return this.#readChecked<FinishedRecord>(
      "finished",
      `${jobFileName(jobId)}.json`,
      finishedProblem,
    );
  }

  /** Every finished record (for the operator's view). */
  listFinished(): Promise<FinishedRecord[]> {
    return this.#readFolder<FinishedRecord>("finished", finishedProblem);
  }

  /** Add a message to the outbox, durably. Returns its entry. */
  async addOutgoing(
    jobId: string,
    message: OutgoingMessage,
    command?: string,
  ): Promise<OutboxEntry> {
    const id = `${stamp()}.json`;
    const entry: OutboxEntry = { id, jobId, message };
    if (command) entry.command = command;
    await writeFileAtomic(join(this.dir, "outbox", id), JSON.stringify(entry));
    return entry;
  }

  /** Every outbox entry, oldest first. */
  async listOutgoing(): Promise<OutboxEntry[]> {
    const entries = await this.#readFolder<OutboxEntry>("outbox", outboxProblem);
    return entries.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  }

  /** Remove an outbox entry once the broker confirmed it. */
  async removeOutgoing(id: string): Promise<void> {
    await removeFile(join(this.dir, "outbox", id));
  }

  /** Keep a message that has no job id in `rejected/`, with the reason. */
  async putRejected(
    headers: Record<string, string>,
    body: Uint8Array,
    reason: string,
  ): Promise<string> {
    const path = join(this.dir, "rejected", `${stamp()}.json`);
    await writeFileAtomic(
      path,
      JSON.stringify({ reason, receivedAt: Date.now(), headers, bodyBase64: toBase64(body) }),
    );
    return path;
  }

  /**
   * Remove finished records and rejected messages older than `days` days.
   * Returns how many files were removed.
   */
  async expire(days: number, now = Date.now()): Promise<number> {
    const limit = now - days * 86_400_000;
    let removed = 0;
    for (const folder of ["finished", "rejected"]) {
      for await (const entry of Deno.readDir(join(this.dir, folder))) {
        if (!entry.isFile) continue;
        const path = join(this.dir, folder, entry.name);
        const info = await Deno.stat(path).catch(() => undefined);
        if (info?.mtime && info.mtime.getTime() < limit) {
          await removeFile(path);
          removed++;
        }
      }
    }
    return removed;
  }

  /**
   * Move an outbox entry the broker keeps refusing to `rejected/`, with the
   * reason, and remove it from the outbox. Returns the new path.
   */
  async setOutgoingAside(entry: OutboxEntry, reason: string): Promise<string> {
    const path = join(this.dir, "rejected", `${stamp()}-refused-completion.json`);
    await writeFileAtomic(path, JSON.stringify({ reason, setAsideAt: Date.now(), entry }));
    await this.removeOutgoing(entry.id);
    return path;
  }

  async #readFolder<T>(folder: string, check: ShapeCheck): Promise<T[]> {
    const items: T[] = [];
    for await (const entry of Deno.readDir(join(this.dir, folder))) {
      if (!entry.isFile || !entry.name.endsWith(".json")) continue;
      const item = await this.#readChecked<T>(folder, entry.name, check).catch((error) => {
        // Unreadable now (permissions, I/O): leave it where it is for a later try.
        log.error(`${(error as Error).message}; it is skipped for now`);
        return undefined;
      });
      if (item === undefined) continue;
      // An outbox entry is removed by its file name, whatever its content says.
      if (folder === "outbox") (item as OutboxEntry).id = entry.name;
      items.push(item);
    }
    return items;
  }

  /**
   * Read and check one file. Missing: undefined. Not JSON or not the right
   * shape: logged, moved to `rejected/`, undefined. Unreadable: StoreError.
   */
  async #readChecked<T>(folder: string, name: string, check: ShapeCheck): Promise<T | undefined> {
    const path = join(this.dir, folder, name);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw new StoreError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
    let value: unknown;
    let problem: string | undefined;
    try {
      value = JSON.parse(text);
      problem = check(value);
    } catch (error) {
      problem = `not valid JSON (${(error as Error).message})`;
    }
    if (problem === undefined) return value as T;
    const aside = join(this.dir, "rejected", `${stamp()}-damaged-${folder}.json`);
    try {
      await Deno.rename(path, aside);
      const now = new Date();
      await Deno.utime(aside, now, now); // kept for RETENTION_DAYS from now
      await syncDir(join(this.dir, folder));
      await syncDir(join(this.dir, "rejected"));
    } catch (error) {
      throw new StoreError(
        `the store file ${path} is damaged (${problem}) and cannot be moved aside: ` +
          `${(error as Error).message}; move or remove it by hand`,
        { cause: error },
      );
    }
    log.error(
      `the store file ${path} is damaged (${problem}); moved to ${aside} and ignored. ` +
        "If it held a job, send that job again.",
    );
    return undefined;
  }
}

/** A unique, time-ordered file name stem: `<ms, 15 digits>-<uuid>`. */
function stamp(): string {
  return `${Date.now().toString().padStart(15, "0")}-${crypto.randomUUID()}`;
}

/** Encode bytes as base64. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Decode base64 to bytes. */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
