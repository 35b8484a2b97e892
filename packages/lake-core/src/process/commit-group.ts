// Committing a group of candidate rows: ask the dedupe index which ids the group may store, write and
// upload the Parquet files without the duplicates, then, in one short catalog transaction, lock the
// batches still pending, make the claims durable and commit the files with the batches' counts and
// dead letters as one snapshot. No transaction is open while files are written or uploaded, but for
// one race: ids another flush committed after the reservation are left out of a rewrite within the
// commit. Files of a flush that never commits are deleted here when it can, and by the vacuum otherwise.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { PgDedupeIndex } from "../adapters/pg-dedupe-index";
import { InletError } from "../errors";
import { newBatchId } from "../ingest/raw-batch";
import type { BatchOutcome, Catalog, CuratedTable, NewDataFile } from "../ports/catalog";
import type { DedupeClaim, DedupeIndex } from "../ports/dedupe-index";
import type { LoadedSource } from "../schema/source-schema";
import type { GroupCandidates, ParsedBatch } from "./accumulate-candidates";
import { failIfPoisoned, failPoint, slowFlushPause } from "./failpoints";
import { toParquet, uploadFiles, writeCandidateLines } from "./flush-files";
import type { PhaseTimings, ProcessDeps } from "./process-outcome";
import { replayOutcomes } from "./replay-outcomes";

/** Attempts of one group: a batch another worker committed meanwhile starts the group over. */
const ATTEMPTS = 3;

const defaultIndexes = new WeakMap<object, DedupeIndex>();

/** The dedupe index of the deps, or the catalog's own PostgreSQL one. */
export function dedupeIndexOf(deps: {
  catalog: Pick<Catalog, "claimedEventIds" | "maintainDedupeIndex">;
  dedupe?: DedupeIndex | undefined;
}): DedupeIndex {
  if (deps.dedupe) return deps.dedupe;
  let index = defaultIndexes.get(deps.catalog);
  if (!index) {
    index = new PgDedupeIndex(deps.catalog);
    defaultIndexes.set(deps.catalog, index);
  }
  return index;
}

/** Another worker committed a batch of this attempt while its files were written: try again. */
class AttemptOverrun extends Error {
  constructor(readonly gone: Set<string>) {
    super("a batch of the flush was committed by another flush meanwhile");
  }
}

/**
 * Returns the batches this commit covered; batches another worker committed meanwhile are left out
 * (their ids are theirs, their counts stay as recorded). Throws when the commit failed: nothing of it
 * is visible then. Throws CONFLICT when an event id is claimed by a batch that has not committed yet:
 * the batch carrying it is retried (never dropped against a claim that may still fail).
 */
export async function commitGroup(
  deps: ProcessDeps,
  source: LoadedSource,
  table: CuratedTable,
  candidates: GroupCandidates,
  phase: PhaseTimings,
): Promise<{ committed: ParsedBatch[]; filesWritten: number }> {
  const base = candidates.parsed.map((p) => ({ ...p.outcome }));
  // An attempt counts into the batches' outcomes; each starts from the counts the group came with.
  const restoreCounts = () => {
    for (const [i, p] of candidates.parsed.entries()) Object.assign(p.outcome, base[i]);
  };
  const gone = new Set<string>();
  // An attempt cleans up after itself (scratch files, uploads), so one that met a full scratch disk
  // is simply run again once there is room.
  const attemptOnce = () => {
    restoreCounts();
    return commitAttempt(deps, source, table, candidates, phase, gone);
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await (deps.whileScratchFull ? deps.whileScratchFull(attemptOnce) : attemptOnce());
    } catch (err) {
      if (!(err instanceof AttemptOverrun) || attempt >= ATTEMPTS) {
        restoreCounts();
        throw err;
      }
      for (const id of err.gone) gone.add(id);
    }
  }
}

async function commitAttempt(
  deps: ProcessDeps,
  source: LoadedSource,
  table: CuratedTable,
  candidates: GroupCandidates,
  phase: PhaseTimings,
  gone: Set<string>,
): Promise<{ committed: ParsedBatch[]; filesWritten: number }> {
  const dedupe = dedupeIndexOf(deps);
  const { parsed, cols, dedupeIds } = candidates;
  const { ids, owner } = cols;
  const flushId = newBatchId();
  const scratch = join(deps.tmpDir, flushId);
  const live = parsed.map((p) => !gone.has(p.batch.batchId));
  const rowsOfLive: number[] = [];
  for (let i = 0; i < ids.length; i++) if (live[owner[i]!]) rowsOfLive.push(i);
  const claimOf = (i: number): DedupeClaim => ({
    id: dedupeIds[i]!,
    owner: parsed[owner[i]!]!.batch.batchId,
  });
  let uploaded: NewDataFile[] = [];
  /** Files of a rewrite within the commit (see below), and the uploads they replaced. */
  let rewritten: NewDataFile[] = [];
  let rewrittenUsed = false;
  const rewriteScratch = join(deps.tmpDir, `${flushId}-rewrite`);
  let committed = false;
  try {
    failIfPoisoned(ids);
    // The index is asked while this process writes the NDJSON lines of every candidate; the Parquet
    // conversion then leaves out the ids that turned out to be duplicates.
    const claimStarted = performance.now();
    const reserve = dedupe.reserve(source.id, source.dedupeWindowHours, rowsOfLive.map(claimOf)).then((r) => {
      phase.claim += performance.now() - claimStarted;
      return r;
    });
    const lines =
      rowsOfLive.length > 0
        ? writeCandidateLines(source, scratch, parsed, rowsOfLive, cols, phase, false)
        : Promise.resolve(undefined);
    const [reserved, written] = await Promise.allSettled([reserve, lines]);
    if (reserved.status === "rejected") throw reserved.reason;
    if (written.status === "rejected") throw written.reason;
    const reservation = reserved.value;
    if (reservation.held.size > 0) {
      const example = [...reservation.held][0]!;
      throw new InletError(
        "CONFLICT",
        `${reservation.held.size} event id(s) (e.g. '${example}') are claimed by a batch that has not committed yet; retried once it commits or fails`,
      );
    }
    const fresh = new Set(reservation.fresh);

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
    failPoint("after-parquet-write");
    const uploadStarted = performance.now();
    uploaded = await uploadFiles(deps.store, source.slug, local);
    phase.upload += performance.now() - uploadStarted;
    const liveBatches = parsed.filter((_, i) => live[i]);
    if (liveBatches.length === 1) {
      for (const f of uploaded) f.batchId = liveBatches[0]!.batch.batchId;
    }

    failPoint("before-catalog-commit");
    await slowFlushPause();
    const commitStarted = performance.now();
    const result = await deps.catalog.transaction(async (tx) => {
      const stillPending = await tx.lockPendingBatches(liveBatches.map((p) => p.batch.batchId));
      const overrun = new Set(liveBatches.map((p) => p.batch.batchId).filter((id) => !stillPending.has(id)));
      // Another worker committed a batch whose rows are in these files: they must not commit twice.
      if (overrun.size > 0 && uploaded.length > 0) throw new AttemptOverrun(overrun);
      const committing = liveBatches.filter((p) => stillPending.has(p.batch.batchId));
      const claims = freshRows.filter((i) => stillPending.has(parsed[owner[i]!]!.batch.batchId)).map(claimOf);
      const holds = await dedupe.commit(tx, source.id, claims, reservation);
      let files = uploaded;
      if (claims.some((c) => !holds.has(c.id))) {
        // Another flush committed some of these ids after the reservation (copies in flight at once,
        // as resends often are): they are duplicates now, and this flush's files are rewritten without
        // them here, in the transaction that holds the other claims, instead of starting over.
        for (const i of freshRows) {
          if (holds.has(dedupeIds[i]!) || !stillPending.has(parsed[owner[i]!]!.batch.batchId)) continue;
          fresh.delete(dedupeIds[i]!);
          const outcome = parsed[owner[i]!]!.outcome;
          outcome.accepted -= 1;
          outcome.duplicates += 1;
        }
        const keep = freshRows.filter((i) => fresh.has(dedupeIds[i]!));
        const rewriteId = newBatchId();
        if (keep.length > 0) {
          await writeCandidateLines(source, rewriteScratch, parsed, keep, cols, phase, false);
          const local = await toParquet(
            deps,
            source,
            rewriteScratch,
            rewriteId,
            parsed,
            keep,
            cols,
            phase,
            [],
          );
          rewritten = await uploadFiles(deps.storeInTransaction ?? deps.store, source.slug, local);
          if (committing.length === 1) for (const f of rewritten) f.batchId = committing[0]!.batch.batchId;
        }
        files = rewritten;
        rewrittenUsed = true;
      }
      const seq = await tx.commitAppend({
        tableId: table.id,
        files,
        batchIds: committing.map((p) => p.batch.batchId),
        counts: new Map<string, BatchOutcome>(committing.map((p) => [p.batch.batchId, p.outcome])),
      });
      await tx.recordDeadLetters(committing.flatMap((p) => p.deadLetters));
      // Replayed letters' outcomes commit with the rows they landed (or did not land) as.
      const stored = (row: number) => fresh.has(dedupeIds[row]!);
      await tx.recordReplayOutcomes(
        committing.flatMap((p) =>
          p.replay ? replayOutcomes(p.replay, stored, { name: table.name, seq }) : [],
        ),
      );
      return { committed: committing, filesWritten: files.length };
    });
    committed = true;
    phase.commit += performance.now() - commitStarted;
    return result;
  } finally {
    // What did not commit: everything of a failed attempt, the first upload of a rewritten one.
    const orphans = !committed ? [...uploaded, ...rewritten] : rewrittenUsed ? uploaded : [];
    if (orphans.length > 0) await deps.store.delete(orphans.map((f) => f.path)).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    await rm(rewriteScratch, { recursive: true, force: true }).catch(() => undefined);
  }
}
