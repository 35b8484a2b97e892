// File-drop ingestion: an object under landing/{slug}/ becomes raw batches (NDJSON), batches rows and
// `batches` messages — the same path HTTP ingest takes — and is then moved to landing-done/.
// Batch ids derive from the file's key, size and modification time, so a retry after a crash or a
// second worker seeing the same file produces the same batches, never a second copy.
import { createHash } from "node:crypto";
import { mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDbWork } from "../adapters/duckdb-sql";
import { InletError } from "../errors";
import { type AcceptBatchDeps, acceptBatch } from "../ingest/accept-batch";
import type { ObjectInfo, ObjectStore } from "../ports/object-store";
import { withSchema } from "../schema/source-schema";
import {
  type LandingFormat,
  LandingFormatError,
  landingFileToNdjsonLines,
  landingFormatOf,
} from "./landing-formats";

export const LANDING_PREFIX = "landing/";
export const LANDING_DONE_PREFIX = "landing-done/";
export const LANDING_FAILED_PREFIX = "landing-failed/";

/**
 * Admission control for dropped files: the bounds HTTP ingest answers 429 or 503 by (a source's backlog,
 * the whole backlog, the lake's free disk), supplied by the process that composes the worker.
 */
export interface LandingAdmission {
  /** Why a file of this source must wait, and for how long; undefined when it may be taken now. */
  admit(source: { id: string; slug: string }): Promise<LandingDeferral | undefined>;
  /** A chunk of a file was accepted: its bytes count against the bounds until they are read again. */
  noteAccepted(sourceId: string, bytes: number): void;
}

export interface LandingDeferral {
  reason: string;
  /** When the file is worth looking at again. */
  retryAfterMs: number;
}

export interface LandingDeps extends AcceptBatchDeps, DuckDbWork {
  /** A file is split into raw batches of at most this many bytes (default 8 MiB)… */
  maxBatchBytes?: number;
  /** …and this many events (default 10,000, the HTTP ingest default). */
  maxBatchEvents?: number;
  /** Absent: files are taken whatever the backlog (tests, and callers without bounds). */
  admission?: LandingAdmission | undefined;
}

export type LandingResult =
  | { status: "ingested"; key: string; batchIds: string[]; events: number }
  | { status: "rejected"; key: string; reasonCode: string; reason: string }
  | { status: "ignored"; key: string; reason: string }
  /**
   * Left where it is for now: its source is paused (nothing is stored until it is resumed), or it or
   * the whole server is over an admission bound (looked at again after retryAfterMs).
   */
  | { status: "held"; key: string; reason: string; retryAfterMs?: number };

/** landing/{slug}/{name…} → slug and the rest, or undefined for keys outside that shape. */
export function parseLandingKey(key: string): { slug: string; rest: string } | undefined {
  if (!key.startsWith(LANDING_PREFIX)) return undefined;
  const tail = key.slice(LANDING_PREFIX.length);
  const slash = tail.indexOf("/");
  if (slash <= 0 || slash === tail.length - 1) return undefined;
  return { slug: tail.slice(0, slash), rest: tail.slice(slash + 1) };
}

/** A UUID-shaped (version 8) id from a stable digest of the file's identity and the chunk number. */
export function landingBatchId(file: ObjectInfo, chunk: number): string {
  const hex = createHash("sha256")
    .update(`${file.key}\n${file.size}\n${file.lastModified.getTime()}\n${chunk}`)
    .digest("hex");
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Hidden files (a segment starting with ".") are left alone: rsync, editors and many upload tools
 * write under such a name and rename the file into place when it is complete.
 */
export function isHiddenLandingKey(key: string): boolean {
  return key.split("/").some((segment) => segment.startsWith("."));
}

/** `to`, or when that name is taken (a file dropped twice under one name), `to` with a time suffix. */
async function freeTarget(store: ObjectStore, to: string): Promise<string> {
  if (!(await store.head(to))) return to;
  const slash = to.lastIndexOf("/");
  const dot = to.indexOf(".", slash + 1);
  const stamp = new Date().toISOString().replace(/[-:.]/g, "");
  return dot > slash + 1 ? `${to.slice(0, dot)}.${stamp}${to.slice(dot)}` : `${to}.${stamp}`;
}

/**
 * The first `max` bytes of an object, from its local file; when that cannot be had (the failure that
 * sets the file aside may be that very read), from the object itself. Undefined when it is gone.
 */
async function letterBytes(store: ObjectStore, key: string, max: number): Promise<Uint8Array | undefined> {
  try {
    return await readPrefix(await store.localPath(key), max);
  } catch (err) {
    if (err instanceof InletError && err.code === "NOT_FOUND") return undefined;
    return (await store.get(key))?.subarray(0, max);
  }
}

/** The first `max` bytes of a file. */
async function readPrefix(path: string, max: number): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(max);
    const { bytesRead } = await handle.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function moveObject(store: ObjectStore, from: string, to: string): Promise<string> {
  const target = await freeTarget(store, to);
  // Copied inside the store: a large file never passes through the worker's memory.
  // Gone already: another worker moved it.
  if (!(await store.copy(from, target))) return to;
  await store.delete([from]);
  return target;
}

async function reject(
  deps: LandingDeps,
  file: ObjectInfo,
  sourceId: string | undefined,
  reasonCode: string,
  reason: string,
): Promise<LandingResult> {
  // The first MiB goes into the dead letter; the move copies the whole inside the store.
  const bytes = await letterBytes(deps.store, file.key, 1024 * 1024);
  // Gone already: another worker set it aside or ingested it.
  if (!bytes) return { status: "rejected", key: file.key, reasonCode, reason };
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const target = await freeTarget(deps.store, LANDING_FAILED_PREFIX + file.key.slice(LANDING_PREFIX.length));
  await deps.catalog.recordDeadLetters([
    {
      sourceId,
      batchId: undefined,
      eventId: undefined,
      reasonCode,
      reason: `${file.key}: ${reason}; the file was moved to ${target}`,
      path: undefined,
      payload: text,
      attempts: 1,
    },
  ]);
  await moveObject(deps.store, file.key, target);
  deps.logger?.warn({ key: file.key, reasonCode, reason }, "landing file rejected");
  return { status: "rejected", key: file.key, reasonCode, reason };
}

/**
 * Moves a landing file that keeps failing for reasons other than its content to landing-failed/,
 * with a dead letter (reason code INGEST_FAILED), so it stops blocking the files after it.
 */
export async function setAsideLandingFile(
  deps: LandingDeps,
  file: ObjectInfo,
  reason: string,
): Promise<LandingResult> {
  const parsedKey = parseLandingKey(file.key);
  const sourceId = parsedKey
    ? (await deps.catalog.findSourceBySlug(parsedKey.slug).catch(() => undefined))?.id
    : undefined;
  return reject(deps, file, sourceId, "INGEST_FAILED", reason);
}

/** Ingests one landing file (idempotent per key, size and modification time). */
export async function ingestLandingFile(deps: LandingDeps, file: ObjectInfo): Promise<LandingResult> {
  const parsedKey = parseLandingKey(file.key);
  if (!parsedKey) return { status: "ignored", key: file.key, reason: "not under landing/{source}/" };
  const format: LandingFormat | undefined = landingFormatOf(file.key);
  const record = await deps.catalog.findSourceBySlug(parsedKey.slug);
  if (!record)
    return reject(deps, file, undefined, "UNKNOWN_SOURCE", `no source with slug "${parsedKey.slug}"`);
  const sourceId = record.id;
  if (!format) {
    return reject(
      deps,
      file,
      sourceId,
      "UNSUPPORTED_FILE",
      "supported files are .ndjson, .jsonl, .json, .csv, .parquet",
    );
  }
  // A paused source stores nothing, from files as from HTTP: the file waits where it is.
  if (record.status === "paused") {
    return { status: "held", key: file.key, reason: `source "${parsedKey.slug}" is paused` };
  }
  // Over a backlog or disk bound, a file waits where it is, as a request is refused: taking it would only
  // add to the backlog the bound is there to stop. A file admitted is read whole.
  const deferral = await deps.admission?.admit(record);
  if (deferral) {
    return { status: "held", key: file.key, reason: deferral.reason, retryAfterMs: deferral.retryAfterMs };
  }
  const source = withSchema(record);

  const scratch = join(deps.tmpDir, `landing-${landingBatchId(file, -1)}`);
  const maxBytes = deps.maxBatchBytes ?? 8 * 1024 * 1024;
  const maxEvents = deps.maxBatchEvents ?? 10_000;
  const batchIds: string[] = [];
  let events = 0;
  /** Stores one chunk of the file as a raw batch and queues it; a retry finds its batch and skips it. */
  const enqueue = async (chunk: string[]) => {
    const batchId = landingBatchId(file, batchIds.length);
    batchIds.push(batchId);
    const body = new TextEncoder().encode(`${chunk.join("\n")}\n`);
    const accepted = await acceptBatch(deps, {
      source,
      body,
      format: "ndjson",
      eventCount: chunk.length,
      receivedAt: new Date(),
      origin: `file:${file.key}`,
      batchId,
    });
    if (!accepted.alreadyDone) deps.admission?.noteAccepted(source.id, body.byteLength);
  };
  try {
    await mkdir(scratch, { recursive: true });
    const path = await deps.store.localPath(file.key);
    // Chunks go out as the file is read: a large file is never held in memory whole.
    let chunk: string[] = [];
    let bytes = 0;
    for await (const line of landingFileToNdjsonLines(deps.duck, {
      path,
      format,
      payloadColumns: source.schema.rawPayload ? [] : source.schema.payloadColumns,
      scratch,
    })) {
      const size = Buffer.byteLength(line) + 1;
      if (chunk.length > 0 && (bytes + size > maxBytes || chunk.length >= maxEvents)) {
        await enqueue(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(line);
      bytes += size;
      events += 1;
    }
    if (chunk.length > 0) await enqueue(chunk);
  } catch (err) {
    // Formats are checked before the first line (a bad file never has a batch queued).
    if (err instanceof LandingFormatError) return reject(deps, file, sourceId, "MALFORMED_FILE", err.message);
    throw err;
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
  // As over HTTP, where an empty batch is refused: an empty file is set aside, not reported ingested.
  if (events === 0) return reject(deps, file, sourceId, "MALFORMED_FILE", "the file holds no events");

  await moveObject(deps.store, file.key, LANDING_DONE_PREFIX + file.key.slice(LANDING_PREFIX.length));
  deps.logger?.info({ key: file.key, format, events, batches: batchIds.length }, "landing file ingested");
  return { status: "ingested", key: file.key, batchIds, events };
}
