// The sweep of the records of judged events ({rawKey}.judged.json) that finished batches left behind:
// the worker deletes a batch's record right after it commits or fails, best effort, so a crash in
// between or a failed delete would otherwise leave it in the raw zone for as long as the raw object.
import type { Logger } from "pino";
import { judgedEventsKey } from "../ingest/accept-judgement";
import type { Catalog } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";
import { DEFAULT_FILE_RETENTION_MS } from "./vacuum";

export interface JudgedRecordSweepDeps {
  catalog: Pick<Catalog, "finishedJudgedRecords" | "forgetJudgedRecords">;
  store: ObjectStore;
  logger?: Logger | undefined;
}

export interface JudgedRecordSweepOptions {
  /** Only batches finished at least this long ago (default 1 hour, the vacuum's file retention). */
  graceMs?: number;
  /** Deletes at most this many records per call (default 10,000). */
  limit?: number;
  /** Records per catalog round trip and delete request (default 1,000). */
  chunk?: number;
  now?: Date;
}

/**
 * Deletes the records of batches committed or failed more than the grace period ago whose rows say a
 * record may remain, then notes them gone: objects first, so a crash in between leaves rows whose
 * records are deleted again (a no-op) next time. A batch still waiting keeps its record, since the
 * worker reads it when the batch is retried. Returns how many batches' records were deleted.
 */
export async function sweepJudgedRecords(
  deps: JudgedRecordSweepDeps,
  opts: JudgedRecordSweepOptions = {},
): Promise<number> {
  const graceMs = Math.max(0, opts.graceMs ?? DEFAULT_FILE_RETENTION_MS);
  const limit = Math.max(1, opts.limit ?? 10_000);
  const chunk = Math.max(1, Math.min(limit, opts.chunk ?? 1_000));
  const finishedBefore = new Date((opts.now ?? new Date()).getTime() - graceMs);
  let swept = 0;
  while (swept < limit) {
    const batches = await deps.catalog.finishedJudgedRecords(finishedBefore, Math.min(chunk, limit - swept));
    if (batches.length === 0) break;
    await deps.store.delete(batches.map((b) => judgedEventsKey(b.rawKey)));
    await deps.catalog.forgetJudgedRecords(batches.map((b) => b.id));
    swept += batches.length;
    if (batches.length < chunk) break;
  }
  if (swept > 0)
    deps.logger?.info({ batches: swept }, "deleted records of judged events of finished batches");
  return swept;
}
