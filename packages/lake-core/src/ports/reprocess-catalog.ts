// The Catalog port's share for reprocessing from raw: reprocess jobs (a source, an event-time range, a
// rate, a dry run or not), the raw batches a range re-reads, and the writes of the replacing commit.
import type { NewDataFile } from "./catalog";
import type { ReplayJobStatus } from "./replay-catalog";

/** A reprocess job's statuses are a replay job's, without pause: queued → running → succeeded | failed | cancelled. */
export type ReprocessJobStatus = Exclude<ReplayJobStatus, "paused">;

/** Statuses in which a job is not ended: at most one such job per source. */
export const ACTIVE_REPROCESS_STATUSES: readonly ReprocessJobStatus[] = ["queued", "running"];

/** Where a running job is: reading raw batches, then writing and committing the replacement. */
export type ReprocessPhase = "queued" | "reading" | "committing" | "done";

/** What a run found, or for a dry run what it would do; every count is of rows in the range. */
export interface ReprocessFigures {
  /** Raw batches re-read and the events they hold (in and out of the range). */
  batches: number;
  events: number;
  /** Events of those batches whose event time is outside the range: left as they are. */
  outsideRange: number;
  /** Rows of the range that came from the re-read batches: the rows replaced. */
  rowsReplaced: number;
  /** Rows of the range from other batches (a replayed letter, a batch outside the read set): kept. */
  rowsKept: number;
  /** Rows the range holds after the replacement. */
  rowsAfter: number;
  /** Re-derived rows equal to the row they replace. */
  unchanged: number;
  /** Re-derived rows whose values differ from the row they replace. */
  changed: number;
  /** Events that were not in curated (dead-lettered before) and now pass: added. */
  added: number;
  /** Rows in curated whose event now fails the active schema: removed and dead-lettered. */
  deadLettered: number;
  /** Events that failed before and still fail: their open letters stay as they are. */
  stillFailing: number;
  /** Events passing now whose id is in curated already by other means, or twice in the read set. */
  duplicates: number;
  /** Open letters of the added events, marked replayed by this job (a dry run: 0). */
  lettersResolved: number;
  /**
   * changed + added + deadLettered + rows removed as duplicates of another row of the set: what the
   * dry run promises to change. A run that would change nothing commits no snapshot.
   */
  rowsChanged: number;
  /** Data files the replacement removes and adds (a dry run: those it would remove, 0 added). */
  filesRemoved: number;
  filesAdded: number;
}

export interface NewReprocessJob {
  sourceId: string;
  from: Date;
  to: Date;
  dryRun: boolean;
  ratePerSecond: number;
  requestedById: string | undefined;
  requestedByEmail: string;
}

export interface ReprocessJobRecord {
  id: string;
  sourceId: string | null;
  source: string | null;
  from: Date;
  to: Date;
  dryRun: boolean;
  ratePerSecond: number;
  status: ReprocessJobStatus;
  phase: ReprocessPhase;
  batchesTotal: number;
  batchesDone: number;
  eventsTotal: number;
  eventsRead: number;
  result: ReprocessFigures | null;
  snapshotSeq: number | null;
  error: string | null;
  requestedByEmail: string;
  createdAt: Date;
  startedAt: Date | null;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** A committed raw batch of the source a reprocess re-reads. */
export interface ReprocessBatch {
  id: string;
  rawKey: string;
  receivedAt: Date;
  eventCount: number;
}

/** The replacing commit: files removed and added in one `reprocess` snapshot. */
export interface ReprocessCommit {
  tableId: string;
  jobId: string;
  removedFileIds: string[];
  added: NewDataFile[];
  range: { from: Date; to: Date };
}

/** Reads and writes outside a transaction. */
export interface ReprocessCatalog {
  getReprocessJob(id: string): Promise<ReprocessJobRecord | undefined>;
  /** Newest first; only the source's when sourceId is given. */
  listReprocessJobs(page: {
    sourceId?: string | undefined;
    cursor?: string | undefined;
    limit: number;
  }): Promise<{ items: ReprocessJobRecord[]; nextCursor: string | undefined }>;
  /** Queued and running jobs, oldest first (a running one whose process died is taken over). */
  runnableReprocessJobs(limit: number): Promise<string[]>;
  /** Marks a queued job running; returns its status after (undefined when there is no such job). */
  startReprocessJob(id: string): Promise<ReprocessJobStatus | undefined>;
  /** The job's status and rate, checked between chunks (a cancel stops the run). */
  reprocessJobState(id: string): Promise<{ status: ReprocessJobStatus; ratePerSecond: number } | undefined>;
  /** Records how far a running job has come. */
  updateReprocessProgress(
    id: string,
    progress: {
      phase: ReprocessPhase;
      batchesTotal: number;
      batchesDone: number;
      eventsTotal: number;
      eventsRead: number;
    },
  ): Promise<void>;
  /** Ends a job not ended yet: succeeded with its figures (a dry run), or failed with the error. */
  finishReprocessJob(
    id: string,
    outcome: { status: "succeeded"; result: ReprocessFigures } | { status: "failed"; error: string },
  ): Promise<void>;
  /**
   * The source's committed raw batches received in [from, to), oldest first, replay batches left
   * out (their events are letters sent again, which keep their rows as landed).
   */
  reprocessBatches(sourceId: string, from: Date, to: Date): Promise<ReprocessBatch[]>;
}

/** Writes that commit together: the job's creation with its audit entry, the replacement with its job. */
export interface ReprocessCatalogTransaction {
  /**
   * Creates a queued job. CONFLICT (details.jobId) while another job of the source is not ended;
   * NOT_FOUND without such a source; BAD_REQUEST when the source is paused.
   */
  createReprocessJob(job: NewReprocessJob): Promise<ReprocessJobRecord>;
  /**
   * Cancels a queued or running job (a run stops before its commit); undefined when there is no such
   * job; CONFLICT when it has ended.
   */
  cancelReprocessJob(
    id: string,
  ): Promise<{ before: ReprocessJobStatus; after: ReprocessJobRecord } | undefined>;
  /**
   * Replaces the files by the added ones in a `reprocess` snapshot; undefined (nothing changed) when
   * one of them was replaced meanwhile (a compaction, retention). Returns the snapshot's seq.
   */
  commitReprocess(commit: ReprocessCommit): Promise<number | undefined>;
  /** Gives (source, dedupe id) claims back: rows removed whose events are dead letters now. */
  releaseEventIds(sourceId: string, ids: string[]): Promise<void>;
  /**
   * Marks the open letters of these (batch, event id) pairs replayed by the job (their events landed
   * from the raw batch); returns how many it marked.
   */
  resolveReprocessedLetters(
    jobId: string,
    sourceId: string,
    events: { batchId: string; eventId: string }[],
  ): Promise<number>;
  /**
   * Ends a running job as succeeded with its figures and snapshot; false (nothing changed) when it
   * is not running any more (cancelled meanwhile): the caller's commit must then roll back.
   */
  completeReprocessJob(
    id: string,
    result: ReprocessFigures,
    snapshotSeq: number | undefined,
  ): Promise<boolean>;
}
