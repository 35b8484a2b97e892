// The worker's process step: takes a group of received `batches` messages, checks each against its
// catalog row, and hands the batches still waiting to processSourceGroup, one source at a time.
import { z } from "zod";
import { errorMessage } from "../errors";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import type { ReceivedMessage } from "../ports/queue";
import { emptyOutcome, type PendingBatch, type ProcessDeps, type ProcessOutcome } from "./process-outcome";
import { processSourceGroup } from "./source-group";

export type { PhaseTimings, ProcessDeps, ProcessOutcome } from "./process-outcome";

// Only the batch id is taken from a message: the raw key, format, source and receipt time come from
// the batch's catalog row, so whoever can publish to the queue cannot point a batch at another
// source's raw object. The message's other fields (see RawBatchMessage) are informational.
const messageSchema = z.object({ batchId: z.string().min(1) });
/**
 * Handles one group of messages end to end. Never throws for a bad batch: such messages are nacked
 * with the error (the queue dead-letters them after maxReceives). Messages are acked only after the
 * commit that covers them.
 */
export async function processBatches(
  deps: ProcessDeps,
  messages: ReceivedMessage[],
): Promise<ProcessOutcome> {
  const queueName = deps.queueName ?? BATCHES_QUEUE;
  const out = emptyOutcome(messages.length);
  const nack = async (msg: ReceivedMessage, error: string) => {
    out.retried += 1;
    deps.logger?.warn(
      { messageId: msg.id, receiveCount: msg.receiveCount, error },
      "batch handed back to the queue",
    );
    await deps.queue.nack(queueName, msg, { error }).catch((err: unknown) => {
      deps.logger?.error(
        { err, messageId: msg.id },
        "nack failed; the message reappears after its visibility timeout",
      );
    });
  };

  const pending: PendingBatch[] = [];
  for (const msg of messages) {
    const parsed = messageSchema.safeParse(msg.body);
    if (!parsed.success) {
      await nack(msg, `malformed batches message: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      continue;
    }
    pending.push({ msg, batchId: parsed.data.batchId, sourceId: "", rawKey: "", receivedAt: new Date(0) });
  }

  const states = await deps.catalog.batchStates(pending.map((p) => p.batchId));
  const bySource = new Map<string, PendingBatch[]>();
  const seenBatch = new Set<string>();
  for (const p of pending) {
    const state = states.get(p.batchId);
    if (!state) {
      await nack(p.msg, `batch ${p.batchId} has no batches row`);
      continue;
    }
    // A redelivered message for a batch already committed (or dead-lettered) changes nothing.
    if (state.status !== "received" || seenBatch.has(p.batchId)) {
      out.alreadyDone += 1;
      await deps.queue.ack(queueName, p.msg).catch((err: unknown) => {
        deps.logger?.warn({ err: errorMessage(err), batchId: p.batchId }, "ack of a finished batch failed");
      });
      continue;
    }
    seenBatch.add(p.batchId);
    const list = bySource.get(state.sourceId) ?? [];
    list.push({
      ...p,
      sourceId: state.sourceId,
      rawKey: state.rawKey,
      receivedAt: state.receivedAt,
      origin: state.origin,
      ...(state.validatedSchemaVersion === undefined
        ? {}
        : { validatedSchemaVersion: state.validatedSchemaVersion }),
      ...(state.rejectedAtAccept === undefined ? {} : { rejectedAtAccept: state.rejectedAtAccept }),
    });
    bySource.set(state.sourceId, list);
  }

  for (const [sourceId, group] of bySource) {
    await processSourceGroup({ deps, queueName, out, nack }, sourceId, group);
  }
  return out;
}
