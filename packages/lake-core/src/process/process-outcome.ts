// What processing a group of batches needs and what it reports: committed, retried, counts, and
// where the time went.
import type { DuckDbWork } from "../adapters/duckdb-sql";
import type { AcceptBatchDeps } from "../ingest/accept-batch";
import type { DedupeIndex } from "../ports/dedupe-index";
import type { ObjectStore } from "../ports/object-store";
import type { ReceivedMessage } from "../ports/queue";
import type { ReplayManifestItem } from "../ports/replay-catalog";

export interface ProcessDeps extends AcceptBatchDeps, DuckDbWork {
  /** Queue the messages came from (default "batches"). */
  queueName?: string;
  /** Which event ids a flush may store (default: the catalog's PostgreSQL index). */
  dedupe?: DedupeIndex | undefined;
  /**
   * The store for uploads made inside the catalog transaction (a rewrite of a flush's files): one that
   * fails at once rather than waits, since the transaction holds the batches' row locks and the claims
   * meanwhile (default: `store`).
   */
  storeInTransaction?: ObjectStore | undefined;
  /**
   * Runs a commit attempt, which writes the flush's files to the scratch folder, again while it fails
   * for want of space there (the worker's: waiting with the batches held). Without it, such a failure
   * fails the flush and its batches go back to the queue.
   */
  whileScratchFull?: <T>(attempt: () => Promise<T>) => Promise<T>;
}

export interface ProcessOutcome {
  messages: number;
  /** Batches committed by this call. */
  committed: number;
  /** Messages whose batch was already committed or failed: acked without work. */
  alreadyDone: number;
  /** Messages handed back to the queue (nack) because they could not be processed. */
  retried: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  filesWritten: number;
  /** Per committed batch: milliseconds from receipt at the API to commit. */
  freshnessMs: number[];
  /** Where the time went, summed over the call (for logs and tuning). */
  phaseMs: PhaseTimings;
}

export interface PhaseTimings {
  /** Reading raw objects. */
  read: number;
  /** Envelope parsing, validation and in-group dedupe (JavaScript). */
  parse: number;
  /** Asking the dedupe index which ids are new (the reservation; PostgreSQL's claims commit under `commit`). */
  claim: number;
  /** Building the NDJSON lines and writing the temp file. */
  lines: number;
  /** DuckDB read_json → Parquet. */
  parquet: number;
  /** Putting Parquet files into the object store. */
  upload: number;
  /** The commit transaction: locking the batches, the claims (PostgreSQL), catalog writes and COMMIT. */
  commit: number;
}

/** A batch whose message was received and whose catalog row says it is still waiting. */
export interface PendingBatch {
  msg: ReceivedMessage;
  batchId: string;
  sourceId: string;
  rawKey: string;
  receivedAt: Date;
  /** From the batch row: "replay" for dead letters sent again (see replay-outcomes.ts). */
  origin?: string;
  /** A replay batch's letters, read before its events are judged. */
  replay?: ReplayManifestItem[];
  /** From the batch row: the schema version ingest judged its events against (see accept-judgement.ts). */
  validatedSchemaVersion?: number;
  /** From the batch row: the events ingest dead-lettered, by index. */
  rejectedAtAccept?: number[];
}

export function emptyOutcome(messages: number): ProcessOutcome {
  return {
    messages,
    committed: 0,
    alreadyDone: 0,
    retried: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    filesWritten: 0,
    freshnessMs: [],
    phaseMs: { read: 0, parse: 0, claim: 0, lines: 0, parquet: 0, upload: 0, commit: 0 },
  };
}
