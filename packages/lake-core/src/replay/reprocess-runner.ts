// Reprocess from raw: runs a reprocess job under its lease — re-reads the source's raw batches of the
// range at the job's rate, judges them against the active schema, and replaces the range's curated
// rows in one new snapshot (or, for a dry run, only reports what that would do).
//
// Semantics (what a person gets when they reprocess source S over the event-time range [from, to)):
// - Raw batches read: S's committed batches received in [from, to + REPROCESS_LATE_WINDOW_MS) — an
//   event arrives at or after its time, and a day's grace catches late ones — oldest first; replay
//   batches are not read (their events are letters sent again and keep the rows they landed as).
// - Rows replaced: the rows of the range (by `_event_time`) that came from those batches, and only
//   those the batches re-derive (a row whose event is no longer found is kept as it is: no gap).
//   Rows outside the range and rows of the range from other batches (a replayed dead letter, a batch
//   received outside the read window) are kept; the files holding replaced rows are rewritten without
//   them (their rows outside the range go back unchanged) and the re-derived rows are added.
// - No duplicates: events are deduplicated by their dedupe id within the re-read set (receipt order;
//   a copy that was in curated keeps precedence, it holds the claim), and a re-derived event that was
//   not in curated lands only if its id can be claimed in the dedupe index — an event that reached
//   curated another way holds the claim and is counted as a duplicate.
// - Events that now fail: a replaced row's event that fails the active schema is removed and
//   dead-lettered (its claim given back so a later fix can replay it); an event that failed before and
//   still fails keeps its open letter. A letter whose event now lands is marked replayed by the job.
// - One snapshot: removed and added files commit in one `reprocess` snapshot, with the letters, the
//   claims and the job's end; readers of the previous snapshot keep reading it until vacuum expires its
//   files. A concurrent append commits on its own (different files); a compaction or retention that
//   replaced a touched file meanwhile makes the commit roll back and the run plan again.
// - Cancel stops the run before its commit: nothing of it is visible. A run cut short (process killed)
//   starts over from the first batch in whichever worker takes the job next.
// - A dry run does everything but the commit and reports the same figures: rows that would change
//   (changed values, added, dead-lettered) and rows that would be dead-lettered.
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { DuckDbWork } from "../adapters/duckdb-sql";
import { errorMessage } from "../errors";
import type { Catalog } from "../ports/catalog";
import type { DedupeIndex } from "../ports/dedupe-index";
import type { ObjectStore } from "../ports/object-store";
import type { ReprocessFigures, ReprocessJobRecord } from "../ports/reprocess-catalog";
import { dedupeIndexOf } from "../process/commit-group";
import { evolveColumns } from "../schema/schema-columns";
import { loadSource } from "../schema/source-schema";
import { deriveRows, filesOverlapping, readCurrentRows } from "./reprocess-derive";
import {
  commitReplacement,
  countChanged,
  newRowsClaimed,
  ReprocessCancelled,
  ReprocessConflict,
  reprocessFigures,
  touchedFiles,
} from "./reprocess-replace";

/** Late events: raw batches received up to this long after the range's end are read too. */
export const REPROCESS_LATE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** How often a run records its progress and looks for a cancel while reading. */
const CHECK_MS = 500;

/** Plans after a conflicting compaction or retention before the job fails. */
const MAX_ATTEMPTS = 3;

export interface ReprocessRunnerDeps extends DuckDbWork {
  catalog: Catalog;
  store: ObjectStore;
  logger?: Logger | undefined;
  /** Which event ids are free (default: the catalog's PostgreSQL index). */
  dedupe?: DedupeIndex | undefined;
}

export interface ReprocessRunOptions {
  signal?: AbortSignal | undefined;
}

export type ReprocessRunResult = "busy" | "missing" | "succeeded" | "failed" | "cancelled" | "stopped";

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

class RunStopped extends Error {}

/** Runs the job to its end (or its cancel); "busy" when another process holds its lease. */
export async function runReprocessJob(
  deps: ReprocessRunnerDeps,
  jobId: string,
  opts: ReprocessRunOptions = {},
): Promise<ReprocessRunResult> {
  const lease = await deps.catalog.tryLease(`inlet.reprocess:${jobId}`);
  if (!lease) return "busy";
  const scratch = join(deps.tmpDir, `reprocess-${randomUUID()}`);
  try {
    const status = await deps.catalog.startReprocessJob(jobId);
    if (status === undefined) return "missing";
    if (status === "cancelled") return "cancelled";
    if (status !== "running") return status === "succeeded" || status === "failed" ? status : "stopped";
    const job = await deps.catalog.getReprocessJob(jobId);
    if (!job) return "missing";
    for (let attempt = 0; ; attempt++) {
      try {
        const figures = await runOnce(deps, job, join(scratch, `attempt-${attempt}`), attempt, opts);
        deps.logger?.info({ jobId, dryRun: job.dryRun, ...figures }, "reprocess job finished");
        return "succeeded";
      } catch (err) {
        if (err instanceof ReprocessConflict && attempt + 1 < MAX_ATTEMPTS) {
          deps.logger?.warn({ jobId, attempt }, err.message);
          continue;
        }
        throw err;
      }
    }
  } catch (err) {
    if (err instanceof ReprocessCancelled) return "cancelled";
    if (err instanceof RunStopped || opts.signal?.aborted) return "stopped";
    deps.logger?.error({ err: errorMessage(err), jobId }, "reprocess job failed");
    await deps.catalog
      .finishReprocessJob(jobId, { status: "failed", error: `the job stopped: ${errorMessage(err)}` })
      .catch((e: unknown) =>
        deps.logger?.error({ err: errorMessage(e), jobId }, "could not mark job failed"),
      );
    return "failed";
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    await lease.release();
  }
}

async function runOnce(
  deps: ReprocessRunnerDeps,
  job: ReprocessJobRecord,
  scratch: string,
  attempt: number,
  opts: ReprocessRunOptions,
): Promise<ReprocessFigures> {
  if (job.sourceId === null) throw new Error("the job's source was deleted");
  const source = await loadSource(deps.catalog, job.sourceId);
  const table = await deps.catalog.ensureCuratedTable(source, evolveColumns(source.schema.columns));
  const range = { from: job.from, to: job.to };
  const batches = await deps.catalog.reprocessBatches(
    source.id,
    job.from,
    new Date(job.to.getTime() + REPROCESS_LATE_WINDOW_MS),
  );
  const eventsTotal = batches.reduce((n, b) => n + b.eventCount, 0);
  const progress = { phase: "reading" as const, batchesTotal: batches.length, eventsTotal };
  await deps.catalog.updateReprocessProgress(job.id, { ...progress, batchesDone: 0, eventsRead: 0 });

  const view = await deps.catalog.tableSnapshot(table.name);
  const overlapping = filesOverlapping(view?.files ?? [], range);
  const current = await readCurrentRows(deps, overlapping, range, new Set(batches.map((b) => b.id)));

  const started = Date.now();
  let checked = 0;
  let rate = job.ratePerSecond;
  const derived = await deriveRows(deps, source, batches, range, current, scratch, {
    batchDone: async (batchesDone, eventsRead) => {
      if (opts.signal?.aborted) throw new RunStopped();
      // Progress and a cancel are looked at every CHECK_MS, and after the last batch.
      if (Date.now() - checked >= CHECK_MS || batchesDone === batches.length) {
        checked = Date.now();
        await deps.catalog.updateReprocessProgress(job.id, { ...progress, batchesDone, eventsRead });
        const state = await deps.catalog.reprocessJobState(job.id);
        if (state?.status !== "running") throw new ReprocessCancelled();
        rate = state.ratePerSecond;
      }
      // The rate limit: the events read so far may not run ahead of the rate.
      const due = started + (eventsRead / Math.max(1, rate)) * 1000;
      if (due > Date.now()) await sleep(due - Date.now(), opts.signal);
    },
  });
  const changed = await countChanged(deps, current, derived, scratch);
  const filesRemoved = touchedFiles(current, derived).length;

  if (job.dryRun) {
    const claimedElsewhere = await newRowsClaimed(dedupeIndexOf(deps), source.id, derived);
    const figures = reprocessFigures(
      batches.length,
      current,
      derived,
      changed,
      {
        added: derived.newRows.size - claimedElsewhere,
        claimedElsewhere,
        lettersResolved: 0,
        filesAdded: 0,
      },
      filesRemoved,
    );
    // As the run would: nothing to change, no files replaced.
    const result = figures.rowsChanged === 0 ? { ...figures, filesRemoved: 0 } : figures;
    await deps.catalog.finishReprocessJob(job.id, { status: "succeeded", result });
    return result;
  }
  await deps.catalog.updateReprocessProgress(job.id, {
    ...progress,
    phase: "committing",
    batchesDone: batches.length,
    eventsRead: derived.events,
  });
  return commitReplacement(deps, {
    jobId: job.id,
    source,
    table,
    range,
    batches: batches.length,
    current,
    derived,
    changed,
    scratch,
    attempt,
  });
}
