// How landing files are noticed: polling the store's landing/ prefix (local store), or S3 event
// notifications enqueued on `landing-events` and consumed here (S3).
import { validateObjectKey } from "../adapters/object-key";
import { errorMessage } from "../errors";
import type { ObjectInfo, ObjectStore } from "../ports/object-store";
import type { Queue, ReceivedMessage } from "../ports/queue";
import {
  ingestLandingFile,
  isHiddenLandingKey,
  LANDING_PREFIX,
  type LandingDeps,
  type LandingResult,
  setAsideLandingFile,
} from "./landing-ingest";

export const LANDING_EVENTS_QUEUE = "landing-events";

/** Failed attempts per landing file version (key, size, modification time), kept in memory. */
const failedAttempts = new Map<string, number>();
/** Files whose name no object key can hold (e.g. a backslash): warned about once, then left alone. */
const unusableNames = new Set<string>();

function usableName(deps: LandingDeps, key: string): boolean {
  try {
    validateObjectKey(key);
    return true;
  } catch (err) {
    if (!unusableNames.has(key)) {
      unusableNames.add(key);
      deps.logger?.warn(
        { key, err: errorMessage(err) },
        "landing file left alone: its name cannot be an object key; rename it",
      );
    }
    return false;
  }
}

function attemptKey(store: ObjectStore, info: ObjectInfo): string {
  return `${store.url}\n${info.key}\n${info.size}\n${info.lastModified.getTime()}`;
}

/**
 * One pass over landing/: ingests every file whose last modification is at least settleMs old (default
 * 2 s: a file still being copied in keeps changing) and whose name is not hidden (".name": written
 * under a temporary name, renamed into place when complete). Files are handled one at a time; one that fails unexpectedly
 * (not a format problem, which is set aside at once) is retried on later passes and, after
 * maxAttempts failures (default 3), moved to landing-failed/ with a dead letter. A failing file never
 * stops the others.
 */
export async function scanLandingZone(
  deps: LandingDeps,
  opts: { settleMs?: number; shouldStop?: () => boolean; maxAttempts?: number } = {},
): Promise<LandingResult[]> {
  const settleMs = opts.settleMs ?? 2000;
  const maxAttempts = opts.maxAttempts ?? 3;
  const results: LandingResult[] = [];
  const ready: ObjectInfo[] = [];
  const listed = new Set<string>();
  for await (const info of deps.store.list(LANDING_PREFIX)) {
    if (isHiddenLandingKey(info.key) || !usableName(deps, info.key)) continue;
    listed.add(attemptKey(deps.store, info));
    // File times have sub-millisecond precision, so a file written this millisecond can look younger
    // than zero: settleMs 0 means no wait at all.
    if (settleMs <= 0 || Date.now() - info.lastModified.getTime() >= settleMs) ready.push(info);
  }
  // Forget files of this store that are gone or were replaced by a new version.
  for (const id of failedAttempts.keys()) {
    if (id.startsWith(`${deps.store.url}\n`) && !listed.has(id)) failedAttempts.delete(id);
  }
  for (const info of ready) {
    if (opts.shouldStop?.()) break;
    const id = attemptKey(deps.store, info);
    // Workers polling the same lake take turns per file: one ingests and moves it, the others skip it.
    const claim = await deps.catalog.tryLease(`${deps.store.url}\n${info.key}`);
    if (!claim) continue;
    try {
      // Another worker may have finished it since the listing.
      if (!(await deps.store.head(info.key))) continue;
      results.push(await ingestLandingFile(deps, info));
      failedAttempts.delete(id);
    } catch (err) {
      const message = errorMessage(err);
      const attempts = (failedAttempts.get(id) ?? 0) + 1;
      deps.logger?.warn({ err: message, key: info.key, attempts }, "landing file failed");
      if (attempts < maxAttempts) {
        failedAttempts.set(id, attempts);
        continue;
      }
      try {
        results.push(
          await setAsideLandingFile(deps, info, `failed ${attempts} times, last with: ${message}`),
        );
        failedAttempts.delete(id);
      } catch (setAsideErr) {
        // Store or database trouble: try again on the next pass.
        failedAttempts.set(id, attempts);
        deps.logger?.warn(
          { err: errorMessage(setAsideErr), key: info.key },
          "landing file could not be set aside",
        );
      }
    } finally {
      await claim.release();
    }
  }
  return results;
}

/** Bucket and key prefix of an s3:// store URL ("" for other stores). */
function s3Location(store: ObjectStore): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(store.url);
  if (!m) return undefined;
  const prefix = m[2] ? `${m[2].replace(/\/+$/, "")}/` : "";
  return { bucket: m[1]!, prefix };
}

interface S3Record {
  eventName?: unknown;
  s3?: {
    bucket?: { name?: unknown };
    object?: { key?: unknown; size?: unknown; eTag?: unknown; sequencer?: unknown };
  };
}

/**
 * The queue's dedupe key for an announcement: the object's key and the notification's sequencer, which
 * S3 (and MinIO) give each PUT of a key anew, so only a re-delivery of the same notification collapses.
 * Key and ETag would not do: the same bytes put again have the same ETag, and that second
 * announcement would be dropped while its 202 said it was queued. Without a sequencer every
 * announcement is its own message; ingesting a file twice stores its events once (batch and event ids).
 */
function announcementDedupeKey(key: string, sequencer: unknown): string | undefined {
  if ((typeof sequencer === "string" && sequencer !== "") || typeof sequencer === "number") {
    return `${key}@${sequencer}`;
  }
  return undefined;
}

/** A landing file an S3 event notification announced, as it is queued on `landing-events`. */
export interface LandingAnnouncement {
  /** The object's key in the store (landing/{source}/…). */
  key: string;
  etag: string;
  dedupeKey: string | undefined;
}

/** A notification's object key as S3 writes it (URL-encoded, "+" for a space), or undefined when it is not. */
function decodedKey(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}

/**
 * The ObjectCreated records of an S3 event notification that name landing files of this store. AWS
 * URL-encodes keys in notifications (spaces as "+"); pass urlEncodedKeys: false for servers that do
 * not (s3rver).
 */
export function landingAnnouncements(
  store: ObjectStore,
  event: unknown,
  opts: { urlEncodedKeys?: boolean } = {},
): LandingAnnouncement[] {
  const location = s3Location(store);
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!location || !Array.isArray(records)) return [];
  const out: LandingAnnouncement[] = [];
  for (const r of records as S3Record[]) {
    // AWS names the event "ObjectCreated:Put", MinIO "s3:ObjectCreated:Put".
    if (typeof r.eventName !== "string" || !/^(s3:)?ObjectCreated:/.test(r.eventName)) continue;
    if (r.s3?.bucket?.name !== location.bucket || typeof r.s3.object?.key !== "string") continue;
    const raw = r.s3.object.key;
    const fullKey = opts.urlEncodedKeys === false ? raw : decodedKey(raw);
    // A key that is not URL-encoding (a stray "%") names no object S3 could have announced.
    if (fullKey === undefined || !fullKey.startsWith(location.prefix)) continue;
    const key = fullKey.slice(location.prefix.length);
    if (!key.startsWith(LANDING_PREFIX)) continue;
    const etag = typeof r.s3.object.eTag === "string" ? r.s3.object.eTag : "";
    out.push({ key, etag, dedupeKey: announcementDedupeKey(key, r.s3.object.sequencer) });
  }
  return out;
}

/** Queues announced landing files for the workers; returns how many were queued. */
export async function enqueueLandingAnnouncements(
  queue: Queue,
  announcements: readonly LandingAnnouncement[],
): Promise<number> {
  for (const { key, etag, dedupeKey } of announcements) {
    await queue.send(LANDING_EVENTS_QUEUE, { key, etag }, dedupeKey === undefined ? {} : { dedupeKey });
  }
  return announcements.length;
}

/**
 * Enqueues the ObjectCreated records of an S3 event notification that name landing files of this
 * store (see landingAnnouncements). Returns how many were enqueued.
 */
export async function handleObjectCreatedEvent(
  deps: { queue: Queue; store: ObjectStore },
  event: unknown,
  opts: { urlEncodedKeys?: boolean } = {},
): Promise<number> {
  return enqueueLandingAnnouncements(deps.queue, landingAnnouncements(deps.store, event, opts));
}

/**
 * How soon a file of a paused source announced by an S3 event is looked at again (a file held by
 * admission control says when itself).
 */
const HELD_RETRY_MS = 30_000;

/** Visibility of a received landing-events message when nothing renews it: as long as a file may take. */
const UNRENEWED_VISIBILITY_MS = 5 * 60_000;

export interface ConsumeLandingOptions {
  waitMs?: number;
  max?: number;
  /**
   * How long a received message stays invisible to other workers: with `leases`, a short lease they
   * renew while its file is handled (the worker's INLET_QUEUE_LEASE_MS), so the file of a worker that
   * dies is handed to another within seconds; without, 5 minutes by default.
   */
  visibilityTimeoutMs?: number;
  /**
   * Renews the leases of the messages handed to it until each is acked or nacked (through deps.queue,
   * which must release them: see worker/batch-leases.ts).
   */
  leases?: { hold(msgs: readonly ReceivedMessage[]): void };
}

/** Receives landing-events messages once (long poll up to waitMs) and ingests the files they name. */
export async function consumeLandingEvents(
  deps: LandingDeps,
  opts: ConsumeLandingOptions = {},
): Promise<LandingResult[]> {
  const messages = await deps.queue.receive(LANDING_EVENTS_QUEUE, {
    max: opts.max ?? 10,
    waitMs: opts.waitMs ?? 1000,
    visibilityTimeoutMs: opts.visibilityTimeoutMs ?? UNRENEWED_VISIBILITY_MS,
  });
  opts.leases?.hold(messages);
  const results: LandingResult[] = [];
  for (const msg of messages) {
    const key = typeof msg.body.key === "string" ? msg.body.key : undefined;
    try {
      // Already moved (a duplicate notification, or another worker): nothing left to do.
      const info = key && !isHiddenLandingKey(key) ? await deps.store.head(key) : undefined;
      const result = info ? await ingestLandingFile(deps, info) : undefined;
      if (result) results.push(result);
      // A held file (a paused source, or one over an admission bound) is announced again later, without
      // using up this message's receives.
      if (result?.status === "held") {
        await deps.queue.send(LANDING_EVENTS_QUEUE, msg.body, {
          delayMs: result.retryAfterMs ?? HELD_RETRY_MS,
        });
      }
      await deps.queue.ack(LANDING_EVENTS_QUEUE, msg);
    } catch (err) {
      deps.logger?.warn({ err: errorMessage(err), key }, "landing file failed");
      await deps.queue.nack(LANDING_EVENTS_QUEUE, msg, {
        delayMs: 1000,
        error: errorMessage(err),
      });
    }
  }
  return results;
}
