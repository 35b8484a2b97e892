// Batches the queue gave up on (received too often): one POISON_BATCH dead letter each, with a prefix of
// the raw bytes, and the batch marked failed, in one transaction.
import type { Logger } from "pino";
import type { BatchState, Catalog, NewDeadLetter } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";
import type { DeadMessage } from "../ports/queue";
import { deleteJudgedRecords } from "./delete-judged-records";
import { type RawPrefix, readRawPrefix } from "./read-raw-batch";

/**
 * Records batches the queue gave up on (maxReceives exhausted): one POISON_BATCH dead letter with the
 * message, the batch's rawKey and a prefix (at most 1 MiB) of its raw bytes, and the batch marked
 * failed, in one transaction. The batch rows are locked (FOR UPDATE, id order) and their status read
 * under the lock, so a batch a slow worker committed meanwhile is never also recorded as poison, and
 * a batch already failed is not recorded twice.
 */
export async function recordPoisonBatches(
  deps: { catalog: Catalog; store: ObjectStore; logger?: Logger | undefined },
  dead: DeadMessage[],
): Promise<number> {
  if (dead.length === 0) return 0;
  const ids = dead.map((d) => (typeof d.body.batchId === "string" ? d.body.batchId : undefined));
  const batchIds = [...new Set(ids.filter((x): x is string => x !== undefined))];
  // Raw objects are read before the transaction (no object-store I/O while rows are locked), and only
  // at the key of the batch row: a message's own rawKey is never followed.
  const before = await deps.catalog.batchStates(batchIds);
  const raws = new Map<string, RawPrefix>();
  for (const state of before.values()) {
    if (state.status === "received") raws.set(state.id, await readRawPrefix(deps.store, state.rawKey));
  }
  const { count, failed } = await deps.catalog.transaction(async (tx) => {
    const states = await tx.lockBatchStates(batchIds);
    const letters: NewDeadLetter[] = [];
    const failed: string[] = [];
    const recorded = new Set<string>();
    for (const [i, d] of dead.entries()) {
      const batchId = ids[i];
      const state: BatchState | undefined = batchId === undefined ? undefined : states.get(batchId);
      // Committed after all (a slow worker, or the last ack got lost), or recorded already: nothing to do.
      if (state && state.status !== "received") continue;
      if (batchId !== undefined && state) {
        if (recorded.has(batchId)) continue;
        recorded.add(batchId);
      }
      const raw: RawPrefix =
        state === undefined
          ? { raw: null }
          : (raws.get(state.id) ?? (await readRawPrefix(deps.store, state.rawKey)));
      const sourceId = state?.sourceId ?? (typeof d.body.sourceId === "string" ? d.body.sourceId : undefined);
      letters.push({
        sourceId,
        batchId,
        eventId: undefined,
        reasonCode: "POISON_BATCH",
        reason: d.lastError ?? `gave up after ${d.receiveCount} receives`,
        path: undefined,
        payload: JSON.stringify({ message: d.body, rawKey: state?.rawKey ?? null, ...raw }),
        attempts: d.receiveCount,
      });
      if (batchId && state) failed.push(batchId);
    }
    // A dead letter may name a source that was deleted since; the column is nullable for that.
    const known = await tx.existingSourceIds(
      letters.map((l) => l.sourceId).filter((s): s is string => s !== undefined),
    );
    for (const l of letters) if (l.sourceId !== undefined && !known.has(l.sourceId)) l.sourceId = undefined;
    await tx.recordDeadLetters(letters);
    await tx.markBatchesFailed(failed);
    return { count: letters.length, failed };
  });
  if (count > 0) deps.logger?.warn({ count }, "poison batches recorded as dead letters");
  await deleteJudgedRecords(
    deps,
    failed.flatMap((id) => {
      const state = before.get(id);
      return state ? [state] : [];
    }),
  );
  return count;
}
