// Batches still received long after receipt (their message was lost between a queue's takeDead and the
// poison dead letter): sent to the worker again.
import type { Logger } from "pino";
import { BATCHES_QUEUE, type RawBatchMessage } from "../ingest/raw-batch";
import type { Catalog } from "../ports/catalog";
import type { Queue } from "../ports/queue";

export interface RequeueStrandedOptions {
  /** Only batches received at least this long ago (default 15 minutes). */
  olderThanMs?: number;
  /** At most this many per call (default 500). */
  limit?: number;
  queueName?: string;
}

/**
 * Sends a fresh message (dedupeKey = batchId) for every batch still `received` well after receipt
 * and without a POISON_BATCH dead letter. Closes the window between a queue's takeDead (which removes
 * the dead message) and recordPoisonBatches (which writes the dead letter): if the process dies or the
 * transaction fails in between, the batch is processed again rather than stranded. A batch whose
 * message is still queued is not duplicated by PgQueue (dedupe key); on NATS a duplicate is possible
 * once the duplicate window has passed, and the worker acks it without work.
 */
export async function requeueStrandedBatches(
  deps: { catalog: Catalog; queue: Queue; logger?: Logger | undefined },
  opts: RequeueStrandedOptions = {},
): Promise<number> {
  const stranded = await deps.catalog.strandedBatches(opts.olderThanMs ?? 15 * 60_000, opts.limit ?? 500);
  for (const b of stranded) {
    const message: RawBatchMessage = {
      batchId: b.id,
      sourceId: b.sourceId,
      slug: b.slug,
      rawKey: b.rawKey,
      format: b.rawKey.endsWith(".ndjson") ? "ndjson" : "cloudevents-batch",
      receivedAt: b.receivedAt.toISOString(),
      eventCount: b.eventCount,
      requeued: true,
    };
    await deps.queue.send(opts.queueName ?? BATCHES_QUEUE, message, { dedupeKey: b.id });
  }
  if (stranded.length > 0) {
    deps.logger?.warn({ count: stranded.length }, "re-enqueued batches still received long after receipt");
  }
  return stranded.length;
}
