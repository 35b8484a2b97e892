// The Catalog port: the only reader and writer of the lake's catalog (sources, schema versions,
// batches, tables, snapshots, data files, dead letters, dedupe claims) for the data plane and ingest.
import type { ReplayCatalog, ReplayCatalogTransaction } from "./replay-catalog";
import type { ReprocessCatalog, ReprocessCatalogTransaction } from "./reprocess-catalog";

export interface ColumnSpec {
  name: string;
  /** DuckDB type name. */
  type: string;
}

export type SourceStatus = "active" | "paused";

export type SourceKind = "http" | "file" | "both";

/** How a source's next schema version is checked (lower case, as the catalog stores it). */
export type SchemaCompatibility =
  | "backward"
  | "backward_transitive"
  | "forward"
  | "forward_transitive"
  | "full"
  | "full_transitive"
  | "none";

export interface SourceRecord {
  id: string;
  slug: string;
  name: string;
  description: string;
  kind: string;
  status: SourceStatus;
  createdAt: Date;
  idField: string;
  timeField: string;
  /** A low-cardinality property curated data is partitioned by after the event date; undefined when none. */
  partitionProperty: string | undefined;
  /** Curated partitions older than this many days are dropped. */
  retentionDays: number;
  /** Raw batches committed longer ago than this many days are deleted. */
  rawRetentionDays: number;
  /** On an s3:// lake, raw objects move to a colder storage class after this many days; undefined: never. */
  rawArchiveDays: number | undefined;
  /** Two copies of an event id arriving within this many hours land once (1 to 2160; 168 by default). */
  dedupeWindowHours: number;
  /** The mode the next schema version is checked against. */
  compatibility: SchemaCompatibility;
  /** The active schema version; undefined when the source is schemaless. */
  schemaVersionId: string | undefined;
  /** The active version's number and JSON Schema; undefined when the source is schemaless. */
  schemaVersion: number | undefined;
  jsonSchema: unknown;
  /**
   * The names of its curated table's columns in the table's order (the order the source was registered
   * and evolved with); empty before the table exists. The catalog keeps JSON Schemas as jsonb, whose
   * keys come back sorted by length, so the schema's own property order is not this one.
   */
  columnOrder?: string[];
}

/** A source as registered: its first schema version (none for a schemaless source) and curated table. */
export interface NewSource {
  slug: string;
  name: string;
  description: string;
  kind: SourceKind;
  idField: string;
  timeField: string;
  partitionProperty?: string | undefined;
  retentionDays: number;
  rawRetentionDays?: number | undefined;
  rawArchiveDays?: number | undefined;
  compatibility?: SchemaCompatibility | undefined;
  /** The first schema version's JSON Schema; undefined for a schemaless source. */
  jsonSchema: unknown;
  /** The curated table's columns for that schema. */
  columns: ColumnSpec[];
  createdById: string | undefined;
}

/** One version of a source's schema, as the registry lists it. */
export interface SchemaVersionRecord {
  id: string;
  sourceId: string;
  /** 1 is the first. */
  version: number;
  jsonSchema: unknown;
  /** The mode the version was checked under when it was registered. */
  compatibility: SchemaCompatibility;
  createdById: string | undefined;
  createdAt: Date;
  /** Whether events are validated against this version now. */
  active: boolean;
}

/** The next version of a source's schema, already checked by the caller. */
export interface NewSchemaVersion {
  sourceId: string;
  jsonSchema: unknown;
  /**
   * The latest version the caller checked against (0 when there was none) and the mode it checked
   * under: CONFLICT when another version was registered, or the mode changed, since.
   */
  checkedAgainst: number;
  compatibility: SchemaCompatibility;
  /** The curated table's columns after the change, from those it has (no file is rewritten). */
  evolveColumns: (existing: ColumnSpec[]) => ColumnSpec[];
  createdById: string | undefined;
}

/** What may read a table's columns: analytics tables over it and the access policies set on it. */
export interface TableDependents {
  /** Analytics tables whose definition mentions the table's name (the caller matches precisely). */
  analyticsTables: { name: string; definition: string }[];
  columnPolicies: { role: string; column: string; action: string }[];
  rowFilters: { role: string; predicate: string }[];
}

export type BatchStatus = "received" | "committed" | "failed";

export interface NewBatch {
  id: string;
  sourceId: string;
  /** Where the batch's raw object is: the worker reads this, never a key named by a queue message. */
  rawKey: string;
  /** "http", "file:{landing key}" for a dropped file, or "replay" for dead letters sent again. */
  origin: string;
  eventCount: number;
  bytes: number;
  /** Defaults to the database's clock. */
  receivedAt?: Date;
  /**
   * When ingest judged the events (see ingest/accept-judgement.ts): the schema version it judged them
   * against, the indexes of those it rejected, and their dead letters, recorded in the same
   * transaction as the batch row so that a batch is never durable without them (nor they without it).
   */
  validated?: {
    schemaVersion: number;
    rejectedIndexes: number[];
    deadLetters: NewDeadLetter[];
  };
  /**
   * True when ingest kept the record of the judged events beside the raw object
   * ({rawKey}.judged.json): the row then remembers to have it deleted once the batch is finished.
   */
  judgedRecord?: boolean;
}

/** A finished batch whose record of judged events may still be beside its raw object. */
export interface JudgedRecordBatch {
  id: string;
  rawKey: string;
}

/** A batch row as registering it found it: new, or the one an earlier attempt with the same id made. */
export interface RegisteredBatch {
  status: BatchStatus;
  rawKey: string;
  receivedAt: Date;
  /** Ids of the dead letters recorded with the row (none when an earlier attempt made the row). */
  deadLetterIds: string[];
}

export interface BatchState {
  id: string;
  sourceId: string;
  status: BatchStatus;
  bytes: number;
  rawKey: string;
  receivedAt: Date;
  /** "http", "file:{landing key}" or "replay" (see NewBatch). */
  origin: string;
  /** The schema version ingest judged the events against, when it did (see NewBatch.validated). */
  validatedSchemaVersion?: number | undefined;
  /** Indexes of the events ingest dead-lettered: neither stored nor dead-lettered again by the worker. */
  rejectedAtAccept?: number[] | undefined;
}

/** One source's batches accepted but not yet committed or failed: its share of the queue. */
export interface SourceBacklog {
  sourceId: string;
  slug: string;
  batches: number;
  /** Raw bytes of those batches (as stored, decompressed). */
  bytes: number;
  /** Age of the oldest of them by the database's clock, in ms. */
  oldestAgeMs: number;
}

export interface StrandedBatch {
  id: string;
  sourceId: string;
  slug: string;
  rawKey: string;
  eventCount: number;
  receivedAt: Date;
}

export interface NewDeadLetter {
  sourceId: string | undefined;
  batchId: string | undefined;
  eventId: string | undefined;
  /** Stable code, e.g. SCHEMA_VIOLATION, POISON_BATCH. */
  reasonCode: string;
  reason: string;
  /** JSON pointer into the event where validation failed, when there is one. */
  path: string | undefined;
  /** The rejected bytes as text. */
  payload: string;
  attempts: number;
  /** The version number of the source's schema the event was judged against, when one judged it. */
  schemaVersion?: number | undefined;
}

export type DeadLetterStatus = "open" | "replayed" | "discarded";

export interface DeadLetterFilter {
  /** Only this source's letters; null: only letters without a source (landing files, deleted sources). */
  sourceId?: string | null | undefined;
  reasonCode?: string | undefined;
  /** Only the letters of this batch. */
  batchId?: string | undefined;
  /** Only the letters of this event id (copies of it sent later count on a letter of an earlier batch). */
  eventId?: string | undefined;
  status: DeadLetterStatus;
  /** Only letters with this JSON pointer; null: only letters without one. */
  path?: string | null | undefined;
  /** Only letters judged against this schema version; null: only letters no schema judged. */
  schemaVersion?: number | null | undefined;
  /** Received at or after. */
  from?: Date | undefined;
  /** Received before. */
  to?: Date | undefined;
  /**
   * Text the payload holds (case-insensitive), looked for in its first DEAD_LETTER_SEARCH_CHARS
   * characters, at least 3 characters long. Readers reach it only through the LakeReader, which
   * keeps it off payloads the reader's column rules restrict.
   */
  search?: string | undefined;
  /** Letters of these sources are left out (a payload search the reader may not run there). */
  excludeSourceIds?: readonly string[] | undefined;
}

/** What letters are grouped by: their cause. */
export interface DeadLetterGroupKey {
  sourceId: string | null;
  reasonCode: string;
  path: string | null;
  schemaVersion: number | null;
}

/** A group of dead letters with one cause, as the grouped view shows it. */
export interface DeadLetterGroup extends DeadLetterGroupKey {
  /** The source's slug; null for letters without a source. */
  source: string | null;
  count: number;
  /** Copies its letters stand for (count, plus each event its producer sent again; see DeadLetterSummary.copies). */
  copies: number;
  firstSeen: Date;
  lastSeen: Date;
  /** Letters received per hour from the page's `trend.from`, oldest first (`trend.hours` of them). */
  trend: number[];
  /** The group's newest letter, its payload cut at the caller's maxSampleChars. */
  sample: {
    id: string;
    eventId: string | null;
    reason: string;
    payload: string;
    /** The whole payload's length in characters (code points). */
    payloadChars: number;
    payloadTruncated: boolean;
    /** Whether the reader's column rules were applied to the payload (set by the LakeReader). */
    payloadMasked?: boolean | undefined;
  };
}

export interface DeadLetterGroupPage {
  /** The first `limit` groups in the order asked for. */
  groups: DeadLetterGroup[];
  /** Every group and letter the filter matches. */
  totalGroups: number;
  totalLetters: number;
  /** The hours the groups' trends count, from `from` (whole UTC hours). */
  trend: { from: Date; hours: number };
}

export interface DeadLetterGroupOptions {
  /** Largest groups first, or those with the newest letter first. */
  sort: "count" | "lastSeen";
  limit: number;
  /** Start of the trend (cut down to the hour) and how many hours it counts. */
  trendFrom: Date;
  trendHours: number;
  /** A sample's payload is cut at this many characters. */
  maxSampleChars: number;
}

/** A dead letter without its payload, as lists show it (null where a letter has no such part). */
export interface DeadLetterSummary {
  id: string;
  sourceId: string | null;
  /** The source's slug; null once the source is deleted. */
  source: string | null;
  batchId: string | null;
  eventId: string | null;
  reasonCode: string;
  reason: string;
  path: string | null;
  /** The source's schema version the event was judged against; null when none judged it. */
  schemaVersion: number | null;
  attempts: number;
  /**
   * Copies of the event received for this cause while the letter was open (1 unless its producer sent
   * it again): one letter stands for all of them.
   */
  copies: number;
  status: DeadLetterStatus;
  /** When the first copy was received. */
  createdAt: Date;
  /** When the latest copy was received (createdAt when there is one). */
  lastReceivedAt: Date;
  resolvedAt: Date | null;
}

export interface DeadLetterRecord extends DeadLetterSummary {
  /** The payload as received, cut at the caller's maxPayloadChars. */
  payload: string;
  /** The whole payload's length in characters (code points: an emoji is one). */
  payloadChars: number;
  /** Whether `payload` was cut. */
  payloadTruncated: boolean;
  /** Whether the reader's column rules were applied to the payload (fields masked, hashed or removed). */
  payloadMasked?: boolean | undefined;
}

export interface CuratedTable {
  id: string;
  name: string;
}

export interface TableInfo {
  id: string;
  name: string;
  zone: string;
  sourceId: string | undefined;
  sourceSlug: string | undefined;
}

/** One column of a Parquet file (or of one of its row groups), from the file's footer. */
export interface ColumnStat {
  /** Compressed bytes of the column's chunks (what a reader of the column fetches). */
  bytes: number;
  /** Smallest and largest value as DuckDB writes them ("2024-05-01", "2024-05-01 10:00:00+00", "42"). */
  min?: string | undefined;
  max?: string | undefined;
  nulls?: number | undefined;
}

/** A row group of a Parquet file: its rows and per-column stats, for row-group pruning. */
export interface RowGroupStats {
  rows: number;
  columns: Record<string, ColumnStat>;
}

/**
 * Per-column statistics of a data file, read from its Parquet footer when it was committed. Files
 * committed before statistics were recorded have neither field ({}).
 */
export interface FileColumnStats {
  /** The whole file, per top-level column. */
  columns?: Record<string, ColumnStat>;
  /** Each row group, in file order; only recorded when the file has more than one. */
  rowGroups?: RowGroupStats[];
}

export interface NewDataFile {
  /** Object store key. */
  path: string;
  /** Hive partition path, e.g. "dt=2024-05-01". */
  partition: string;
  rowCount: number;
  bytes: number;
  minEventTime?: Date | undefined;
  maxEventTime?: Date | undefined;
  batchId?: string | undefined;
  /** From the file's Parquet footer; {} (unknown) when not given. */
  columnStats?: FileColumnStats | undefined;
}

export interface BatchOutcome {
  accepted: number;
  rejected: number;
  duplicates: number;
}

export interface VisibleFile {
  id: string;
  path: string;
  partition: string;
  rowCount: number;
  bytes: number;
  minEventTime: Date | undefined;
  maxEventTime: Date | undefined;
  addedSeq: number;
  /** From the file's Parquet footer at commit; {} for files committed before statistics were recorded. */
  columnStats?: FileColumnStats | undefined;
}

/**
 * What changes when a table's snapshot or columns do: a snapshot read at the same version is still
 * the table's current one.
 */
export interface TableVersion {
  /** The current committed snapshot; 0 before the first commit. */
  seq: number;
  /** When the table's row last changed: a commit, or its columns evolving with a schema version. */
  changedAt: Date;
}

/** A table at one committed snapshot: what a reader may see (never half a batch). */
export interface TableSnapshotView {
  tableId: string;
  name: string;
  /** The committed snapshot these files belong to. */
  seq: number;
  columns: ColumnSpec[];
  partitionBy: string[];
  files: VisibleFile[];
}

export interface AppendCommit {
  tableId: string;
  files: NewDataFile[];
  batchIds: string[];
  counts: Map<string, BatchOutcome>;
}

export interface CompactionCommit {
  tableId: string;
  added: NewDataFile;
  removedFileIds: string[];
}

/** What a retention snapshot removed. */
export interface RetentionCommit {
  seq: number;
  /** The partitions dropped, e.g. "dt=2024-01-01" or "dt=2024-01-01/region=eu". */
  partitions: string[];
  files: number;
  rows: number;
  bytes: number;
}

/** A committed batch whose raw object is past its source's raw retention. */
export interface ExpiredRawBatch {
  id: string;
  rawKey: string;
  sourceId: string;
  slug: string;
  bytes: number;
}

/** How long a source's data is kept, and when its raw objects are archived (undefined: never). */
export interface SourceLifecycle {
  retentionDays: number;
  rawRetentionDays: number;
  rawArchiveDays: number | undefined;
  /** The dedupe window in hours; undefined leaves it as it is. */
  dedupeWindowHours?: number | undefined;
}

/** What one upkeep of the PostgreSQL dedupe index changed. */
export interface DedupePartitionChanges {
  /** Day partitions created (yesterday to a week ahead, where missing). */
  created: string[];
  /** Day partitions dropped: wholly older than the longest window any source sets. */
  dropped: string[];
}

/** Deleting a source: keep its curated table (detached, still queryable) or purge everything. */
export type SourceDeletion = "keep" | "purge";

export interface DeletedSource {
  slug: string;
  mode: SourceDeletion;
  /** The kept table's name (keep), undefined on purge. */
  table: string | undefined;
  /** Files, bytes, batches and dead letters the source had when deleted. */
  files: number;
  bytes: number;
  batches: number;
  deadLetters: number;
  /** Object-store prefixes to delete once the transaction commits (purge only). */
  purgePrefixes: string[];
}

/** Work that commits or rolls back as one; only valid inside Catalog.transaction's callback. */
export interface CatalogTransaction extends ReplayCatalogTransaction, ReprocessCatalogTransaction {
  /** The table as this transaction sees it (one it created too), or undefined. */
  describeTable(name: string): Promise<TableInfo | undefined>;
  /** A table's access settings with its row locked until the transaction ends (a policy being saved). */
  lockTableAccess(tableId: string): Promise<TableAccessSettings | undefined>;
  /** Whether the table denies columns no rule covers. */
  setDenyUnruledColumns(tableId: string, deny: boolean): Promise<void>;
  /** Batch states with the rows locked until the transaction ends (so a status cannot change meanwhile). */
  lockBatchStates(ids: string[]): Promise<Map<string, BatchState>>;
  /** Locks the batch rows and returns the ids still waiting to be committed. */
  lockPendingBatches(ids: string[]): Promise<Set<string>>;
  /**
   * Claims (source, event id) pairs, unique within the call; returns those that were new, or whose
   * earlier claim is past the source's dedupe window.
   */
  claimEventIds(
    sourceId: string,
    ids: string[],
    opts?: {
      /**
       * The ids were found free of claims on earlier days (not today or, in the hour after midnight,
       * yesterday) within the last half hour: only the days a claim can still be written to are
       * checked, by the insert itself.
       */
      earlierDaysChecked?: boolean;
    },
  ): Promise<Set<string>>;
  /**
   * Makes the files visible in a new snapshot together with the batches turning committed (no
   * snapshot when there are no files); returns the table's newest snapshot seq.
   */
  commitAppend(commit: AppendCommit): Promise<number>;
  /** Replaces files by one in a new snapshot; false (nothing changed) when one was already replaced. */
  commitCompaction(commit: CompactionCommit): Promise<boolean>;
  /**
   * Returns the id of each row's letter, in order: a row with an event id an open letter already holds
   * for the same cause (reason code, path, schema version) is one more copy of it (see DeadLetterSummary.copies).
   */
  recordDeadLetters(rows: NewDeadLetter[]): Promise<string[]>;
  /**
   * Takes back the copies recorded with a batch not accepted after all (`ids` as recordDeadLetters
   * returned them): a letter other copies count on keeps them; one holding only these is discarded
   * with the reason (as discardDeadLetters, which may refuse).
   */
  withdrawDeadLetterCopies(
    ids: string[],
    reason: string,
    actor: { id: string | undefined; email: string },
  ): Promise<void>;
  /** Marks batches still received as failed; returns the ids it marked (committed ones stay committed). */
  markBatchesFailed(ids: string[]): Promise<Set<string>>;
  /** Which of these source ids still exist. */
  existingSourceIds(ids: string[]): Promise<Set<string>>;
  /**
   * Registers a source with its first schema version and its curated table, all or nothing; CONFLICT
   * (details.field "slug") when the slug is taken.
   */
  createSource(source: NewSource): Promise<SourceRecord>;
  /** Pauses (nothing is stored) or resumes a source; returns its status before, undefined when none. */
  setSourceStatus(id: string, status: SourceStatus): Promise<SourceStatus | undefined>;
  /**
   * Registers the source's next schema version (the latest + 1) and makes it active, with the source
   * row locked; the curated table's columns evolve at once. NOT_FOUND without such a source; CONFLICT
   * (details.field "schema") when the source moved on since the caller's check.
   */
  registerSchemaVersion(version: NewSchemaVersion): Promise<SchemaVersionRecord>;
  /** Sets the mode a source's next schema version is checked under; returns the mode before, undefined when no source. */
  setSourceCompatibility(id: string, mode: SchemaCompatibility): Promise<SchemaCompatibility | undefined>;
  /**
   * Drops the table's files whose partition date is before `before` (YYYY-MM-DD) in a `retention`
   * snapshot; undefined (no snapshot) when none is that old.
   */
  commitRetention(tableId: string, before: string): Promise<RetentionCommit | undefined>;
  /** Sets the source's retention settings; returns those before, undefined when there is no such source. */
  updateSourceLifecycle(id: string, next: SourceLifecycle): Promise<SourceLifecycle | undefined>;
  /** Deletes a source (see SourceDeletion); undefined when there is none with this id. */
  deleteSource(id: string, mode: SourceDeletion): Promise<DeletedSource | undefined>;
  /**
   * Registers an analytics table (no snapshot yet). CONFLICT (details.field "name") when the name is
   * taken; BAD_REQUEST naming unknown inputs or an input that is the table itself.
   */
  createAnalyticsTable(table: NewAnalyticsTable): Promise<AnalyticsTableRecord>;
  /**
   * Changes an analytics table's definition and refresh settings; undefined when there is none.
   * BAD_REQUEST (details.field "definition") for unknown inputs or one that reads the table, even
   * through other analytics tables.
   */
  updateAnalyticsTable(
    name: string,
    change: AnalyticsTableChange,
  ): Promise<{ before: AnalyticsTableRecord; after: AnalyticsTableRecord } | undefined>;
  /**
   * Commits a refresh in a `refresh` snapshot (the files it replaces removed at it) with the inputs'
   * seqs, the time and no error; undefined (nothing changed) when the definition or the table moved on.
   */
  commitRefresh(commit: RefreshCommit): Promise<RefreshCommitted | undefined>;
  /**
   * Drops an analytics table with its snapshots and file rows; undefined when there is none. CONFLICT
   * (details.field "name") while another analytics table reads it.
   */
  dropAnalyticsTable(name: string): Promise<DroppedAnalyticsTable | undefined>;
  /** Deletes the rows of files replaced by a snapshot older than retentionMs; returns what they named. */
  expireReplacedFiles(
    tableId: string,
    retentionMs: number,
    limit: number,
  ): Promise<{ path: string; bytes: number }[]>;
}

/** An exclusive right to some work among all processes sharing the catalog, until released. */
export interface CatalogLease {
  release(): Promise<void>;
}

/** Sources as the data plane and the console read them. */
export interface SourceCatalog {
  getSource(id: string): Promise<SourceRecord | undefined>;
  findSourceBySlug(slug: string): Promise<SourceRecord | undefined>;
  /** Every source, by name. */
  listSources(): Promise<SourceRecord[]>;
  countSources(): Promise<number>;
}

/** What the operations dashboard samples from the catalog for an interval (see catalog/ops-figures.ts). */
export interface OpsSampleFigures {
  sources: { id: string; slug: string }[];
  accepted: { source_id: string; n: number }[];
  refused: { source_id: string | null; reason: string; n: number }[];
  openLetters: { source_id: string | null; reason: string; n: number }[];
  committed: { batches: number; events: number }[];
  freshness: { source_id: string; p50: number; p99: number }[];
  files: { zone: string; source_id: string | null; bytes: number }[];
  raw: { source_id: string; bytes: number }[];
}

/** Per UTC day: raw batches written and read to commit, data files written (the requests a lake pays for). */
export interface OpsCostCounts {
  rawPuts: { day: Date; source: string; n: number }[];
  filePuts: { day: Date; zone: string; source: string | null; n: number }[];
  rawGets: { day: Date; source: string; n: number }[];
}

export interface OperationsCatalog {
  opsSampleFigures(from: Date, now: Date): Promise<OpsSampleFigures>;
  opsCostCounts(from: Date): Promise<OpsCostCounts>;
}

/** A table's catalog settings that access policies read: its name, zone and default for unruled columns. */
export interface TableAccessSettings {
  tableId: string;
  name: string;
  zone: string;
  /** Columns no rule covers are denied to every role. */
  denyUnruledColumns: boolean;
}

export interface TableAccessCatalog {
  /** The settings of each table id that exists. */
  tableAccessSettings(tableIds: readonly string[]): Promise<Map<string, TableAccessSettings>>;
}

/** A source's schema versions and what reads the columns they shape. */
export interface SchemaRegistryCatalog {
  /** Every version of the source's schema, oldest first (none for a schemaless or unknown source). */
  listSchemaVersions(sourceId: string): Promise<SchemaVersionRecord[]>;
  getSchemaVersion(sourceId: string, version: number): Promise<SchemaVersionRecord | undefined>;
  /** Analytics tables and policies that may read the table's columns. */
  tableDependents(tableName: string): Promise<TableDependents>;
}

/** Events of one source in one minute (UTC): accepted by the batches committed then, and dead-lettered then. */
export interface MinuteActivity {
  /** Start of the minute. */
  minute: Date;
  accepted: number;
  deadLettered: number;
}

/** How long a source's batches took from acceptance (received) to commit. */
export interface CommitLatency {
  /** Committed batches the percentiles are computed from. */
  batches: number;
  /** In milliseconds; undefined when no batch was committed. */
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

/** One batch's state and, once committed, what became of its events. */
export interface BatchProgress {
  id: string;
  sourceId: string;
  status: BatchStatus;
  accepted: number;
  rejected: number;
  duplicates: number;
  receivedAt: Date;
  /** When it was committed (or marked failed); undefined while received. */
  committedAt: Date | undefined;
}

/** A source's recent work, as its page shows it. */
export interface SourceActivityCatalog {
  /**
   * The minutes since `since` in which the source committed or dead-lettered events, oldest first
   * (minutes with neither are absent).
   */
  sourceActivityByMinute(sourceId: string, since: Date): Promise<MinuteActivity[]>;
  /** Accept-to-commit latency of the source's batches committed since `since`. */
  commitLatency(sourceId: string, since: Date): Promise<CommitLatency>;
  /** One batch's progress, undefined when there is no such batch. */
  batchProgress(id: string): Promise<BatchProgress | undefined>;
}

/** Raw batches from receipt to commit, and what they add up to. */
export interface BatchCatalog {
  /**
   * Records a batch as received, or returns the row an earlier call with the same id made (so a retry
   * of a deterministic batch id reuses its raw key and learns whether it was committed).
   */
  registerBatch(batch: NewBatch): Promise<RegisteredBatch>;
  batchStates(ids: string[]): Promise<Map<string, BatchState>>;
  /** Batches still received long after receipt and without a POISON_BATCH dead letter, oldest first. */
  strandedBatches(olderThanMs: number, limit: number): Promise<StrandedBatch[]>;
  /** Marks batches still received as failed; returns the ids it marked (committed ones stay committed). */
  markBatchesFailed(ids: string[]): Promise<Set<string>>;
  /** Every source with batches still received (one statement; sources with none are absent). */
  ingestBacklog(): Promise<SourceBacklog[]>;
  /** Events committed since `since`, per source id. */
  acceptedEventsBySource(since: Date): Promise<Map<string, number>>;
  /** Events committed per hour (start of the hour, UTC) since `since`, for hours that had any. */
  acceptedEventsByHour(since: Date): Promise<{ hour: Date; events: number }[]>;
  batchesReceivedSince(since: Date): Promise<number>;
  /** Committed batches received longer ago than their source's raw retention (at `now`), oldest first. */
  expiredRawBatches(now: Date, limit: number): Promise<ExpiredRawBatch[]>;
  /** Forgets committed batches (their raw objects deleted); returns how many went. */
  deleteBatches(ids: string[]): Promise<number>;
  /**
   * Batches committed or failed before `finishedBefore` whose record of judged events may still be in
   * the store (registered with judgedRecord and not forgotten since), longest finished first.
   */
  finishedJudgedRecords(finishedBefore: Date, limit: number): Promise<JudgedRecordBatch[]>;
  /** Notes that these batches' records of judged events are deleted. */
  forgetJudgedRecords(ids: string[]): Promise<void>;
}

/** Dead letters: recorded by ingest and the worker, read by people through the LakeReader. */
export interface DeadLetterCatalog {
  /** As TransactionCatalog.recordDeadLetters: copies of an open letter count on it. */
  recordDeadLetters(rows: NewDeadLetter[]): Promise<string[]>;
  /** Newest first; the page after `cursor` (a letter id) when one is given. */
  listDeadLetters(
    filter: DeadLetterFilter,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<{ items: DeadLetterSummary[]; nextCursor: string | undefined }>;
  /** Letters matching the filter (its reason code aside) per reason code. */
  countDeadLettersByReason(
    filter: Omit<DeadLetterFilter, "reasonCode">,
  ): Promise<{ reasonCode: string; count: number }[]>;
  /** One letter, its payload cut at maxPayloadChars characters (code points) when given. */
  getDeadLetter(id: string, opts?: { maxPayloadChars?: number }): Promise<DeadLetterRecord | undefined>;
  /** How many letters have this status (no payloads read). */
  countDeadLetters(status: DeadLetterStatus): Promise<number>;
  /** The letters matching the filter grouped by cause (see DeadLetterGroupKey), each with a sample. */
  deadLetterGroups(filter: DeadLetterFilter, opts: DeadLetterGroupOptions): Promise<DeadLetterGroupPage>;
}

/** Lake tables, their committed snapshots and data files. */
export interface TableCatalog {
  /**
   * Creates the source's curated table on first use and keeps its columns in step with the active
   * schema: `evolve` gets the recorded columns and returns the new list.
   */
  ensureCuratedTable(
    source: { id: string; slug: string; schemaVersionId: string | undefined },
    evolve: (existing: ColumnSpec[]) => ColumnSpec[],
  ): Promise<CuratedTable>;
  describeTable(name: string): Promise<TableInfo | undefined>;
  /** The table at its current committed snapshot, or undefined when there is no such table. */
  tableSnapshot(name: string): Promise<TableSnapshotView | undefined>;
  /** The table's current snapshot and when its row last changed, or undefined: one cheap read. */
  tableVersion(name: string): Promise<TableVersion | undefined>;
  tableNames(zone: string): Promise<string[]>;
  /** Which of these object keys are data files of the table (committed or replaced). */
  knownFilePaths(tableId: string, paths: string[]): Promise<Set<string>>;
}

/** A lake table as the tables browser lists it: its shape and what its current snapshot holds. */
export interface TableSummary {
  id: string;
  name: string;
  zone: string;
  sourceId: string | undefined;
  sourceSlug: string | undefined;
  columns: ColumnSpec[];
  partitionBy: string[];
  /** The current committed snapshot; 0 before the first commit. */
  currentSeq: number;
  /** Rows, bytes and files of the current snapshot's files. */
  rows: number;
  bytes: number;
  files: number;
  /** When the current snapshot was committed; undefined before the first commit. */
  lastCommitAt: Date | undefined;
}

/** One partition of a table at a snapshot: what its visible files add up to. */
export interface PartitionSummary {
  /** Hive partition path, e.g. "dt=2024-05-01". */
  partition: string;
  rows: number;
  bytes: number;
  files: number;
  minEventTime: Date | undefined;
  maxEventTime: Date | undefined;
}

export type SnapshotOperation = "append" | "compact" | "retention" | "replay" | "refresh" | "reprocess";

/** A committed snapshot and what committed it. */
export interface SnapshotSummary {
  seq: number;
  createdAt: Date;
  operation: SnapshotOperation;
  addedFiles: number;
  /** Files the snapshot replaced or dropped: for a compaction, the files it merged. */
  removedFiles: number;
  addedRows: number;
  /** The batches an append or replay committed (the first 20 of them); batchCount counts them all. */
  batchIds: string[];
  batchCount: number;
  /** The partition a compaction merged files in, or those a retention dropped. */
  partitions: string[];
}

/** When an analytics table is refreshed: after an input commits a new snapshot, or every scheduleMinutes. */
export type AnalyticsRefreshMode = "on_commit" | "schedule";

/** An analytics (gold) table: SQL over curated and analytics tables, materialized in `refresh` snapshots. */
export interface AnalyticsTableRecord {
  id: string;
  /** analytics.{slug} */
  name: string;
  /** The SELECT that defines it. */
  definition: string;
  /** Each table the definition reads, with its seq at the last good refresh (0 before the first). */
  inputs: Record<string, number>;
  refreshMode: AnalyticsRefreshMode;
  /** For "schedule": minutes between refreshes. */
  scheduleMinutes: number | undefined;
  /** When the last refresh ended, good or not; undefined before the first. */
  lastRefreshAt: Date | undefined;
  /** The last refresh's error; undefined when it succeeded (the last good snapshot stays current either way). */
  lastRefreshError: string | undefined;
  createdById: string | undefined;
  columns: ColumnSpec[];
  partitionBy: string[];
  currentSeq: number;
  createdAt: Date;
}

/** An analytics table to register; its SQL was checked by the caller. */
export interface NewAnalyticsTable {
  /** analytics.{slug}: a lower-case letter, then letters, digits and underscores. */
  name: string;
  definition: string;
  /**
   * The tables the definition names: each must be a curated or analytics table (BAD_REQUEST naming the
   * unknown ones, details.field "definition"), never the table itself.
   */
  inputs: string[];
  /** The result's columns. */
  columns: ColumnSpec[];
  /** ["dt"] when the result has a dt column, else []. */
  partitionBy: string[];
  refreshMode: AnalyticsRefreshMode;
  /** Required (at least 1) for "schedule"; ignored for "on_commit". */
  scheduleMinutes?: number | undefined;
  createdById: string | undefined;
}

/** What changes in an analytics table; a new definition resets its inputs' seqs so the next refresh is whole. */
export interface AnalyticsTableChange {
  definition?: { sql: string; inputs: string[]; columns: ColumnSpec[]; partitionBy: string[] } | undefined;
  refreshMode?: AnalyticsRefreshMode | undefined;
  scheduleMinutes?: number | undefined;
}

/** The files a refresh wrote and what they were computed from. */
export interface RefreshCommit {
  tableId: string;
  /** The definition the files were computed from: nothing is committed when it changed meanwhile. */
  definition: string;
  /** The table's seq when the refresh began: nothing is committed when another refresh committed since. */
  baseSeq: number;
  files: NewDataFile[];
  /**
   * An incremental refresh replaces only the current files of these partitions; undefined (a whole
   * refresh) replaces every current file.
   */
  partitions?: string[] | undefined;
  /** Each input's seq the refresh read. */
  inputs: Record<string, number>;
  columns: ColumnSpec[];
  partitionBy: string[];
}

export interface RefreshCommitted {
  /** The table's seq after the refresh (unchanged when no file was added or removed). */
  seq: number;
  addedFiles: number;
  removedFiles: number;
  rows: number;
}

/** An analytics table whose refresh is due, and why. */
export interface DueAnalyticsTable {
  name: string;
  reason: "input_changed" | "schedule";
}

/** A dropped analytics table: the object keys of its files, to delete once the transaction commits. */
export interface DroppedAnalyticsTable {
  name: string;
  paths: string[];
}

/** Analytics tables: their definitions, inputs and refresh state. */
export interface AnalyticsTableCatalog {
  getAnalyticsTable(name: string): Promise<AnalyticsTableRecord | undefined>;
  /** Every analytics table, by name. */
  listAnalyticsTables(): Promise<AnalyticsTableRecord[]>;
  /**
   * Tables to refresh now: "on_commit" ones with an input at a newer seq than it was last read at,
   * "schedule" ones last refreshed longer ago than their interval (or never). A table whose last refresh
   * failed less than retryFailedAfterMs ago waits.
   */
  dueAnalyticsTables(opts: { now: Date; retryFailedAfterMs: number }): Promise<DueAnalyticsTable[]>;
  /** The partitions of a table with a file added or removed by a snapshot after afterSeq, up to atSeq. */
  changedPartitions(tableId: string, afterSeq: number, atSeq: number): Promise<string[]>;
  /** Records a failed refresh (its error, now); the last good snapshot and its inputs' seqs stay. */
  recordRefreshFailure(tableId: string, error: string): Promise<void>;
}

/** A page of a keyset-paged list: `nextCursor` asks for the page after it. */
export interface CatalogPage<T> {
  items: T[];
  nextCursor: string | undefined;
  /** How many the whole list holds. */
  total: number;
}

/**
 * A source's raw zone as its batch records count it: one raw object per accepted request or dropped
 * file (a failed batch keeps its object).
 */
export interface RawZoneSource {
  sourceId: string;
  sourceSlug: string;
  sourceName: string;
  objects: number;
  bytes: number;
  events: number;
  /** Objects of batches the worker gave up on. */
  failedObjects: number;
  oldestReceivedAt: Date | undefined;
  newestReceivedAt: Date | undefined;
}

/** A source's raw objects received on one day (UTC): the dt= folder their keys are under. */
export interface RawZoneDay {
  /** "dt=YYYY-MM-DD". */
  partition: string;
  objects: number;
  bytes: number;
  events: number;
  firstReceivedAt: Date;
  lastReceivedAt: Date;
}

/** The tables browser's reads: tables with their totals, partitions and snapshots, and the raw zone. */
export interface TableBrowseCatalog {
  /** Every lake table with its totals at its current snapshot, by zone then name. */
  listTables(): Promise<TableSummary[]>;
  /** One table as listTables shows it, or undefined. */
  getTableSummary(name: string): Promise<TableSummary | undefined>;
  /**
   * The partitions of a table's current snapshot, highest value (newest date) first. Later pages stay
   * at the snapshot the first page read (`seq`), so commits meanwhile do not shift them; BAD_REQUEST
   * (details.field "cursor") for a cursor this list did not give.
   */
  listPartitions(
    tableId: string,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<CatalogPage<PartitionSummary> & { seq: number }>;
  /** A table's committed snapshots, newest first. */
  listSnapshots(
    tableId: string,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<CatalogPage<SnapshotSummary>>;
  /** Every source's raw zone, by slug (a source with nothing received yet too). */
  rawZoneSources(): Promise<RawZoneSource[]>;
  /** A source's raw objects per receive day, newest first. */
  rawZoneDays(
    sourceId: string,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<CatalogPage<RawZoneDay>>;
}

export interface Catalog
  extends SourceCatalog,
    BatchCatalog,
    DeadLetterCatalog,
    TableCatalog,
    TableBrowseCatalog,
    SchemaRegistryCatalog,
    SourceActivityCatalog,
    AnalyticsTableCatalog,
    TableAccessCatalog,
    ReplayCatalog,
    ReprocessCatalog {
  /** Names the catalog (for caches and logs). */
  readonly url: string;
  /** Runs the writes that must commit together (see CatalogTransaction). */
  transaction<T>(fn: (tx: CatalogTransaction) => Promise<T>): Promise<T>;
  /** Resolves when the catalog answers. */
  ping(): Promise<void>;
  /** An exclusive lease on `key` for as long as it is held, or undefined when another holder has it. */
  tryLease(key: string): Promise<CatalogLease | undefined>;
  /**
   * The PostgreSQL dedupe index's upkeep: creates its day partitions from yesterday to a week ahead
   * where missing and drops those wholly past the longest window any source sets.
   */
  maintainDedupeIndex(): Promise<DedupePartitionChanges>;
}
