// Accepting a raw batch, the one way into the lake: put the raw object, register the batch in the
// catalog, enqueue it for the worker, and undo what was done when a later step fails. HTTP ingest,
// dropped files and the tests all come through here.
import type { Logger } from "pino";
import { errorMessage, InletError } from "../errors";
import type { BatchState, Catalog, RegisteredBatch } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";
import type { Queue } from "../ports/queue";
import { type AcceptJudgement, encodeJudgedEvents, judgedEventsKey } from "./accept-judgement";
import type { BatchFormat } from "./envelope";
import {
  BATCHES_QUEUE,
  newBatchId,
  type RawBatchMessage,
  rawBatchContentType,
  rawBatchKey,
} from "./raw-batch";

export interface AcceptBatchDeps {
  catalog: Catalog;
  store: ObjectStore;
  queue: Queue;
  logger?: Logger | undefined;
}

export interface BatchToAccept {
  source: { id: string; slug: string };
  /** The bytes the raw zone keeps, as sent (decompressed). */
  body: Uint8Array;
  format: BatchFormat;
  eventCount: number;
  receivedAt: Date;
  /** "http", or "file:{landing key}". */
  origin: string;
  /**
   * A deterministic id (a landing file's chunk) makes a retry find the batch an earlier attempt
   * registered; without one, a new UUIDv7 is used.
   */
  batchId?: string;
  /**
   * True when `batchId` is a new UUIDv7 the caller made for this request (to judge the events under
   * it): the batch is handled as one without a given id, never as a retry.
   */
  newBatch?: boolean;
  /** The events' verdicts from ingest (see accept-judgement.ts): registered with the batch row. */
  judgement?: AcceptJudgement | undefined;
}

export interface AcceptedBatch {
  batchId: string;
  rawKey: string;
  /** True when an earlier attempt with the same batch id was already committed or failed: nothing was sent. */
  alreadyDone: boolean;
  /** Events dead-lettered at ingest, with the batch (see BatchToAccept.judgement). */
  deadLettered: number;
}

/** The part that did not take the batch, for the 503's message. */
export type UnavailablePart = "the object store" | "the catalog" | "the queue";

function unavailable(part: UnavailablePart, err: unknown): InletError {
  const e = new InletError("UNAVAILABLE", `${part} did not take the batch: ${errorMessage(err)}`, { part });
  e.cause = err;
  return e;
}

/**
 * Durable when it resolves: the raw object, its batch row and its queue message all exist, in that
 * order, so the worker never reads a batch whose object is missing. Throws UNAVAILABLE naming the part
 * that failed; then nothing of a new batch is kept (a deterministic batch id keeps what an earlier
 * attempt may share, and a retry completes it).
 */
export async function acceptBatch(deps: AcceptBatchDeps, batch: BatchToAccept): Promise<AcceptedBatch> {
  const fresh = batch.batchId === undefined || batch.newBatch === true;
  const batchId = batch.batchId ?? newBatchId(batch.receivedAt);
  let rawKey = rawBatchKey(batch.source.slug, batch.receivedAt, batchId, batch.format);
  const judged = batch.judgement?.events;
  // A batch's judged events go with its raw object (a missing one makes the worker judge the batch).
  const discard = async (key: string) => {
    const keys = judged ? [key, judgedEventsKey(key)] : [key];
    await deps.store.delete(keys).catch((err: unknown) => {
      deps.logger?.warn(
        { err: errorMessage(err), rawKey: key },
        "could not delete the raw object of a batch not accepted",
      );
    });
  };

  if (!fresh) {
    // A retry of a deterministic batch: one already finished is not stored again, and one still
    // waiting keeps the raw key its row names (its object may be missing if that put failed).
    let earlier: BatchState | undefined;
    try {
      earlier = (await deps.catalog.batchStates([batchId])).get(batchId);
    } catch (err) {
      throw unavailable("the catalog", err);
    }
    if (earlier && earlier.status !== "received")
      return { batchId, rawKey: earlier.rawKey, alreadyDone: true, deadLettered: 0 };
    if (earlier) rawKey = earlier.rawKey;
  }
  try {
    await deps.store.put(rawKey, batch.body, { contentType: rawBatchContentType(batch.format) });
    if (judged) {
      await deps.store.put(judgedEventsKey(rawKey), encodeJudgedEvents(judged), {
        contentType: "application/json",
      });
    }
  } catch (err) {
    if (fresh && judged) await discard(rawKey);
    throw unavailable("the object store", err);
  }
  let registered: RegisteredBatch;
  try {
    registered = await deps.catalog.registerBatch({
      id: batchId,
      sourceId: batch.source.id,
      rawKey,
      origin: batch.origin,
      eventCount: batch.eventCount,
      bytes: batch.body.byteLength,
      receivedAt: batch.receivedAt,
      ...(batch.judgement ? { validated: batch.judgement } : {}),
      ...(judged ? { judgedRecord: true } : {}),
    });
  } catch (err) {
    if (fresh) await discard(rawKey);
    if (err instanceof InletError && err.code === "NOT_FOUND") throw err;
    throw unavailable("the catalog", err);
  }
  // Another attempt registered the batch meanwhile under another key: that object is the batch's.
  if (registered.rawKey !== rawKey) await discard(rawKey);
  if (registered.status !== "received")
    return { batchId, rawKey: registered.rawKey, alreadyDone: true, deadLettered: 0 };

  const message: RawBatchMessage = {
    batchId,
    sourceId: batch.source.id,
    slug: batch.source.slug,
    rawKey: registered.rawKey,
    format: batch.format,
    receivedAt: registered.receivedAt.toISOString(),
    eventCount: batch.eventCount,
  };
  try {
    await deps.queue.send(BATCHES_QUEUE, message, { dedupeKey: batchId });
  } catch (err) {
    if (fresh) {
      // The sender is told to send the batch again: this copy must not also be ingested later by the
      // stranded-batch sweep. Marked failed, a message that did get through is acked unread; one a
      // worker committed already keeps its raw object.
      const marked = await deps.catalog.markBatchesFailed([batchId]).then(
        (ids) => ids.has(batchId),
        (markErr: unknown) => {
          deps.logger?.error({ err: errorMessage(markErr), batchId }, "could not mark batch failed");
          return false;
        },
      );
      if (marked) {
        await discard(rawKey);
        await discardLetters(deps, registered.deadLetterIds);
      }
    }
    throw unavailable("the queue", err);
  }
  return {
    batchId,
    rawKey: registered.rawKey,
    alreadyDone: false,
    deadLettered: registered.deadLetterIds.length,
  };
}

/**
 * The letters a batch not accepted after all was registered with: the sender sends the batch again,
 * and its events are judged again then, so these copies are taken back (a letter holding only them is
 * discarded, kept with the reason for the record; one earlier copies count on stays open).
 */
async function discardLetters(deps: AcceptBatchDeps, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await deps.catalog
    .transaction((tx) =>
      tx.withdrawDeadLetterCopies(
        ids,
        "the batch was not accepted (the queue did not take it); the sender was told to send it again",
        { id: undefined, email: "ingest" },
      ),
    )
    .catch((err: unknown) => {
      deps.logger?.error(
        { err: errorMessage(err), deadLetterIds: ids },
        "could not discard the dead letters of a batch not accepted",
      );
    });
}
