// The Catalog port's share for replaying dead letters: replay jobs and their items (which letter went
// in which replay batch, and what became of it), edits and discards of letters, and a letter's history.

/** queued → running ⇄ paused → succeeded | failed | cancelled (a paused or queued job may be cancelled). */
export type ReplayJobStatus = "queued" | "running" | "paused" | "succeeded" | "failed" | "cancelled";

/**
 * Reason codes of letters that are not events: a whole batch the queue gave up on, or a landing file
 * set aside. They are fixed where they are (the raw batch, the file), never replayed as events.
 */
export const NOT_EVENT_REASON_CODES: readonly string[] = [
  "POISON_BATCH",
  "POISON_FILE",
  "UNKNOWN_SOURCE",
  "UNSUPPORTED_FILE",
  "MALFORMED_FILE",
  "INGEST_FAILED",
];

/** Statuses in which a job holds its letters: no other job may replay them, no one may edit or discard them. */
export const ACTIVE_REPLAY_STATUSES: readonly ReplayJobStatus[] = ["queued", "running", "paused"];

/**
 * What became of one letter of a job: waiting (queued), in a replay batch not yet committed (sent),
 * landed in curated, found there already (duplicate), refused again (failed), or not sent (skipped:
 * the job was cancelled, the source deleted, or the payload was not a batch of events).
 */
export type ReplayItemState = "queued" | "sent" | "landed" | "duplicate" | "failed" | "skipped";

/** Which open letters a filter selects (every field given must hold). */
export interface ReplayLetterFilter {
  sourceId?: string | undefined;
  reasonCode?: string | undefined;
  /** Recorded at or after. */
  from?: Date | undefined;
  /** Recorded before. */
  to?: Date | undefined;
  batchId?: string | undefined;
  /** The JSON pointer the letter's reason points at ("" is the payload itself). */
  path?: string | undefined;
  /** The version of the source's schema that refused it. */
  schemaVersion?: number | undefined;
}

/** The letters a replay (or its dry run) takes: these ids, or every open letter matching the filter. */
export type ReplaySelection = { letterIds: string[] } | { filter: ReplayLetterFilter };

export interface NewReplayJob {
  selection: ReplaySelection;
  /** Events per second the job sends at. */
  ratePerSecond: number;
  requestedById: string | undefined;
  requestedByEmail: string;
}

/** A job's letters counted by what became of them. */
export interface ReplayProgress {
  total: number;
  /** Not yet sent. */
  queued: number;
  /** Sent in a replay batch the worker has not committed yet. */
  sent: number;
  /** Sent so far (the job's "replayed"): sent + landed + duplicate + failed. */
  replayed: number;
  landed: number;
  /** Every event of the letter was in curated already: skipped as a duplicate. */
  duplicates: number;
  /** Refused again by the worker (the letter stays open with the new reason). */
  stillFailing: number;
  /** Not sent: the job was cancelled, or the letter could not be sent (see its item's reason). */
  skipped: number;
}

export interface ReplayJobRecord {
  id: string;
  status: ReplayJobStatus;
  /** What was selected: { letters: n } for ids, { filter } for a filter (dates as ISO text). */
  selection: Record<string, unknown>;
  ratePerSecond: number;
  /**
   * The rate (events/s) the job sends at now while it gives way to live ingest (priority "live"),
   * below ratePerSecond; null while it sends at ratePerSecond. Meaningful while the job runs.
   */
  sendingRate: number | null;
  /** The letters' source when they all share one. */
  sourceId: string | null;
  source: string | null;
  /** The highest item seq sent. */
  cursor: number;
  error: string | null;
  requestedByEmail: string;
  createdAt: Date;
  startedAt: Date | null;
  updatedAt: Date;
  finishedAt: Date | null;
  progress: ReplayProgress;
}

/** One letter of a job as its runner sends it: its current payload (newest edit, else as received). */
export interface ReplayItemToSend {
  seq: number;
  letterId: string;
  /** The letter's source now; null once the source is deleted. */
  sourceId: string | null;
  source: string | null;
  sourceStatus: string | null;
  batchId: string | null;
  /** The raw key of the letter's original batch (its format), when that batch is still known. */
  batchRawKey: string | null;
  eventId: string | null;
  reasonCode: string;
  payload: string;
  edited: boolean;
  /** The replay batch it was handed to already (a chunk being sent again after a restart). */
  replayBatchId: string | null;
}

/** Items handed to one replay batch: where each letter's events sit in it and the ids they keep. */
export interface ReplayBatchAssignment {
  jobId: string;
  batchId: string;
  items: { seq: number; letterId: string; firstIndex: number; eventCount: number; assignedIds: string[] }[];
  /** Events in the batch (counted into the job's pace). */
  events: number;
  /**
   * Letters before or among the batch's that cannot be sent, settled in the same transaction (the
   * cursor moves past them and the batch's letters together).
   */
  settled?: { seq: number; state: "skipped" | "failed"; reason: string; reasonCode?: string }[] | undefined;
}

/** A replay batch's letters, as the worker reads them before judging the batch. */
export interface ReplayManifestItem {
  jobId: string;
  /** The replay batch the letter was sent in. */
  batchId: string;
  seq: number;
  letterId: string;
  firstIndex: number;
  eventCount: number;
  assignedIds: string[];
}

/** What became of one item, recorded in the transaction that commits its replay batch. */
export interface ReplayOutcome {
  jobId: string;
  /** The replay batch the letter was sent in. */
  batchId: string;
  seq: number;
  letterId: string;
  /** landed: at least one event stored and none refused; duplicate: every event was in curated already. */
  state: "landed" | "duplicate" | "failed";
  landed: number;
  duplicates: number;
  tableName: string;
  /** The snapshot the batch committed in (when any of its events landed). */
  snapshotSeq: number | undefined;
  /** Why it failed again (the first refused event's reason), for state "failed". */
  failure?:
    | { reasonCode: string; reason: string; path: string | undefined; schemaVersion?: number | undefined }
    | undefined;
}

/** A job's replay batches not settled yet, with their catalog state (undefined: never registered). */
export interface OutstandingReplayBatch {
  batchId: string;
  status: "received" | "committed" | "failed" | undefined;
  items: number;
}

/** One entry of a letter's history, oldest first. */
export type DeadLetterHistoryEntry =
  | { at: Date; kind: "received"; batchId: string | null; reasonCode: string; reason: string }
  | { at: Date; kind: "edited"; by: string }
  | { at: Date; kind: "replay_queued"; jobId: string; by: string }
  | { at: Date; kind: "replay_sent"; jobId: string; batchId: string }
  | {
      at: Date;
      kind: "landed";
      jobId: string;
      batchId: string | null;
      table: string | null;
      snapshotSeq: number | null;
      events: number;
    }
  | { at: Date; kind: "duplicate"; jobId: string; batchId: string | null; events: number }
  | {
      at: Date;
      kind: "failed_again";
      jobId: string;
      batchId: string | null;
      reasonCode: string | null;
      reason: string | null;
      path: string | null;
    }
  | { at: Date; kind: "skipped"; jobId: string; reason: string | null }
  | {
      at: Date;
      kind: "reprocessed";
      jobId: string;
      by: string | null;
      table: string | null;
      snapshotSeq: number | null;
    }
  | { at: Date; kind: "discarded"; by: string | null; reason: string | null };

/** A letter as a replay or its dry run judges it (data plane: the payload is not shown to anyone). */
export interface ReplayCandidate {
  id: string;
  sourceId: string | null;
  source: string | null;
  sourceStatus: string | null;
  batchId: string | null;
  batchRawKey: string | null;
  eventId: string | null;
  reasonCode: string;
  reason: string;
  path: string | null;
  status: string;
  payload: string;
  edited: boolean;
  /** The active job holding the letter, if one does. */
  heldBy: string | null;
}

/** Reads and writes outside a transaction. */
export interface ReplayCatalog {
  getReplayJob(id: string): Promise<ReplayJobRecord | undefined>;
  /** Newest first. */
  listReplayJobs(page: {
    status?: ReplayJobStatus | undefined;
    cursor?: string | undefined;
    limit: number;
  }): Promise<{ items: ReplayJobRecord[]; nextCursor: string | undefined }>;
  /** A job's status, cursor and rate: what its runner checks before each chunk (no counting). */
  replayJobState(
    id: string,
  ): Promise<{ status: ReplayJobStatus; cursor: number; ratePerSecond: number } | undefined>;
  /**
   * Jobs a runner should work on, oldest first: queued or running ones, and paused or cancelled ones
   * whose replay batches are not all settled.
   */
  runnableReplayJobs(limit: number): Promise<string[]>;
  /** Marks a queued job running (started now); returns its status after. */
  startReplayJob(id: string): Promise<ReplayJobStatus | undefined>;
  /** Records the rate a job sends at while it gives way to live ingest; null: its configured rate. */
  setReplaySendingRate(id: string, rate: number | null): Promise<void>;
  /** Ends a job that is not ended yet: succeeded, or failed with the error. */
  finishReplayJob(id: string, status: "succeeded" | "failed", error?: string): Promise<void>;
  /** Pauses a running or queued job on Inlet's own account (a source paused meanwhile), saying why. */
  pauseReplayJob(id: string, error: string): Promise<void>;
  /** The queued items after `afterSeq`, in seq order, with their current payloads. */
  nextReplayItems(jobId: string, afterSeq: number, limit: number): Promise<ReplayItemToSend[]>;
  /** The items handed to a replay batch (to send it again after a restart), in seq order. */
  replayBatchItems(jobId: string, batchId: string): Promise<ReplayItemToSend[]>;
  /**
   * Records the items as sent in the batch (and settles `settled`) and moves the job's cursor past
   * them, in one transaction, before the batch is accepted (so the worker always finds its manifest).
   * False, recording nothing, when the job has ended meanwhile (cancelled): the batch is not sent.
   */
  assignReplayBatch(assignment: ReplayBatchAssignment): Promise<boolean>;
  /**
   * Ends items that were not sent (skipped) or that failed before or outside the worker. With
   * `batchId`, they are that replay batch's items still waiting, all of them, and the batch is done.
   */
  settleReplayItems(
    jobId: string,
    items: { seq: number; state: "skipped" | "failed"; reason: string; reasonCode?: string }[],
    batchId?: string,
  ): Promise<void>;
  /** The job's replay batches some of whose items have no outcome yet. */
  outstandingReplayBatches(jobId: string): Promise<OutstandingReplayBatch[]>;
  /** The items of these replay batches, by batch id (none for a batch that is not a replay batch). */
  replayManifests(batchIds: string[]): Promise<Map<string, ReplayManifestItem[]>>;
  /** Letters the selection takes, in the order a job would send them, after `cursor` (a letter id). */
  replayCandidates(
    selection: ReplaySelection,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<{ items: ReplayCandidate[]; nextCursor: string | undefined }>;
  /** Which of these (source, dedupe id) pairs are claimed already (in curated), for a dry run. */
  claimedEventIds(sourceId: string, ids: string[]): Promise<Set<string>>;
  /** A letter's history, oldest first; undefined when there is no such letter. */
  deadLetterHistory(id: string): Promise<DeadLetterHistoryEntry[] | undefined>;
}

/** What a job's creation found; every refusal names what to do. */
export interface CreatedReplayJob {
  job: ReplayJobRecord;
  /** Letters the filter matched that are not events (poison batches, rejected files): left out. */
  excluded: { reasonCode: string; count: number }[];
}

/** Writes that commit together with the control plane's audit entry (see CatalogTransaction). */
export interface ReplayCatalogTransaction {
  /**
   * Creates a queued job holding its letters. CONFLICT (details.jobId) when a letter is held by another
   * active job; BAD_REQUEST when a letter is not open, of a deleted or paused source, or not an event;
   * NOT_FOUND for an unknown id; BAD_REQUEST (details.field "letterIds"/"filter") when nothing is selected.
   */
  createReplayJob(job: NewReplayJob): Promise<CreatedReplayJob>;
  /**
   * Moves a job from one of `from` to `to` (cancelled also skips its queued items); undefined when the
   * job does not exist; CONFLICT when its status is not one of `from`.
   */
  setReplayJobStatus(
    id: string,
    to: ReplayJobStatus,
    from: readonly ReplayJobStatus[],
  ): Promise<{ before: ReplayJobStatus; after: ReplayJobRecord } | undefined>;
  /** Records an edit of an open letter no active job holds (CONFLICT otherwise); returns the edit's time. */
  recordDeadLetterEdit(
    letterId: string,
    payload: string,
    actor: { id: string | undefined; email: string },
  ): Promise<{ at: Date }>;
  /**
   * Discards open letters no active job holds, with the reason; returns those discarded (CONFLICT when
   * one is held, BAD_REQUEST when one is not open, NOT_FOUND when one does not exist).
   */
  discardDeadLetters(
    ids: string[],
    reason: string,
    actor: { id: string | undefined; email: string },
  ): Promise<{ id: string; sourceId: string | null }[]>;
  /** The worker's record of what became of replayed letters (see ReplayOutcome). */
  recordReplayOutcomes(outcomes: ReplayOutcome[]): Promise<void>;
}
