// Committing a group of candidate rows in one catalog transaction: lock the batches still pending,
// claim their event ids, write and upload the Parquet files without the duplicates, and commit them
// with the batches' counts and dead letters as one snapshot.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { newBatchId } from "../ingest/raw-batch";
import type { CuratedTable } from "../ports/catalog";
import type { LoadedSource } from "../schema/source-schema";
import type { GroupCandidates, ParsedBatch } from "./accumulate-candidates";
import { toParquet, uploadFiles, writeCandidateLines } from "./flush-files";
import type { PhaseTimings, ProcessDeps } from "./process-outcome";
import { replayOutcomes } from "./replay-outcomes";

/**
 * Returns the batches this commit covered; batches another worker committed meanwhile are left out
 * (their ids are theirs, their counts stay as recorded). Throws when the commit failed: nothing of it
 * is visible then.
 */
export async function commitGroup(
  deps: ProcessDeps,
  source: LoadedSource,
  table: CuratedTable,
  candidates: GroupCandidates,
  phase: PhaseTimings,
): Promise<{ committed: ParsedBatch[]; filesWritten: number }> {
  const { parsed, cols, dedupeIds } = candidates;
  const { ids, owner } = cols;
  const flushId = newBatchId();
  const scratch = join(deps.tmpDir, flushId);
  let commitStarted = 0;
  try {
    const result = await deps.catalog.transaction(async (tx) => {
      const stillPending = await tx.lockPendingBatches(parsed.map((p) => p.batch.batchId));
      const live = parsed.map((p) => stillPending.has(p.batch.batchId));
      const rowsOfLive: number[] = [];
      for (let i = 0; i < ids.length; i++) if (live[owner[i]!]) rowsOfLive.push(i);

      // The catalog claims the ids while this process writes the NDJSON lines of every candidate; the
      // Parquet conversion then leaves out the ids that turned out to be duplicates.
      const claimStarted = performance.now();
      const claim = tx
        .claimEventIds(
          source.id,
          rowsOfLive.map((i) => dedupeIds[i]!),
        )
        .then((fresh) => {
          phase.claim += performance.now() - claimStarted;
          return fresh;
        });
      const lines =
        rowsOfLive.length > 0
          ? writeCandidateLines(source, scratch, parsed, rowsOfLive, cols, phase, false)
          : Promise.resolve(undefined);
      const [claimed, written] = await Promise.allSettled([claim, lines]);
      if (claimed.status === "rejected") throw claimed.reason;
      if (written.status === "rejected") throw written.reason;
      const fresh = claimed.value;

      let duplicateIds: string[] = [];
      const freshRows: number[] = [];
      for (const i of rowsOfLive) {
        const outcome = parsed[owner[i]!]!.outcome;
        if (fresh.has(dedupeIds[i]!)) {
          outcome.accepted += 1;
          freshRows.push(i);
        } else {
          outcome.duplicates += 1;
          duplicateIds.push(ids[i]!);
        }
      }
      let rows = rowsOfLive;
      if (duplicateIds.length > 0 && duplicateIds.length < rowsOfLive.length) {
        // Parquet leaves duplicates out by _event_id. CloudEvents from different `source` attributes
        // may share an id, so when a duplicate's id is also a fresh event's, the lines are rewritten
        // with the fresh events only instead (rare: the fast path stays for everything else).
        const dup = new Set(duplicateIds);
        if (freshRows.some((i) => dup.has(ids[i]!))) {
          await writeCandidateLines(source, scratch, parsed, freshRows, cols, phase, false);
          rows = freshRows;
          duplicateIds = [];
        }
      }
      const local =
        freshRows.length === 0
          ? []
          : await toParquet(deps, source, scratch, flushId, parsed, rows, cols, phase, duplicateIds);
      const uploadStarted = performance.now();
      const files = await uploadFiles(deps.store, source.slug, local);
      phase.upload += performance.now() - uploadStarted;

      const committed = parsed.filter((_, i) => live[i]);
      if (committed.length === 1) {
        for (const f of files) f.batchId = committed[0]!.batch.batchId;
      }
      commitStarted = performance.now();
      const seq = await tx.commitAppend({
        tableId: table.id,
        files,
        batchIds: committed.map((p) => p.batch.batchId),
        counts: new Map(committed.map((p) => [p.batch.batchId, p.outcome])),
      });
      await tx.recordDeadLetters(committed.flatMap((p) => p.deadLetters));
      // Replayed letters' outcomes commit with the rows they landed (or did not land) as.
      const stored = (row: number) => fresh.has(dedupeIds[row]!);
      await tx.recordReplayOutcomes(
        committed.flatMap((p) =>
          p.replay ? replayOutcomes(p.replay, stored, { name: table.name, seq }) : [],
        ),
      );
      return { committed, filesWritten: files.length };
    });
    phase.commit += performance.now() - commitStarted;
    return result;
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}
