// The Catalog port's PostgreSQL adapter: set-based SQL over the catalog tables (the Prisma schema in
// prisma/ defines them), each statement in its own module of this folder.
import type { Db } from "@inlet/db";
import type pg from "pg";
import type {
  AnalyticsTableRecord,
  BatchProgress,
  BatchState,
  Catalog,
  CatalogLease,
  CatalogPage,
  CatalogTransaction,
  ColumnSpec,
  CommitLatency,
  CuratedTable,
  DeadLetterFilter,
  DeadLetterGroupOptions,
  DeadLetterGroupPage,
  DeadLetterRecord,
  DeadLetterStatus,
  DeadLetterSummary,
  DedupePartitionChanges,
  DueAnalyticsTable,
  ExpiredRawBatch,
  JudgedRecordBatch,
  MinuteActivity,
  NewBatch,
  NewDeadLetter,
  OpsCostCounts,
  OpsSampleFigures,
  PartitionSummary,
  RawZoneDay,
  RawZoneSource,
  RegisteredBatch,
  SchemaVersionRecord,
  SnapshotSummary,
  SourceBacklog,
  SourceRecord,
  StrandedBatch,
  TableAccessSettings,
  TableDependents,
  TableInfo,
  TableSnapshotView,
  TableSummary,
  TableVersion,
} from "../ports/catalog";
import type {
  DeadLetterHistoryEntry,
  OutstandingReplayBatch,
  ReplayBatchAssignment,
  ReplayCandidate,
  ReplayItemToSend,
  ReplayJobRecord,
  ReplayJobStatus,
  ReplayManifestItem,
  ReplaySelection,
} from "../ports/replay-catalog";
import type {
  ReprocessBatch,
  ReprocessFigures,
  ReprocessJobRecord,
  ReprocessJobStatus,
  ReprocessPhase,
} from "../ports/reprocess-catalog";
import {
  changedPartitions,
  commitRefresh,
  createAnalyticsTable,
  dropAnalyticsTable,
  dueAnalyticsTables,
  getAnalyticsTable,
  listAnalyticsTables,
  recordRefreshFailure,
  updateAnalyticsTable,
} from "./analytics-tables";
import {
  acceptedEventsByHour,
  acceptedEventsBySource,
  batchesReceivedSince,
  batchStates,
  finishedJudgedRecords,
  forgetJudgedRecords,
  ingestBacklog,
  lockBatchStates,
  lockPendingBatches,
  markBatchesFailed,
  registerBatch,
  strandedBatches,
} from "./batch-catalog";
import { tryLease } from "./catalog-lease";
import { withdrawDeadLetterCopies } from "./dead-letter-copies";
import { boundedRead, deadLetterGroups } from "./dead-letter-groups";
import { deadLetterHistory } from "./dead-letter-history";
import {
  countDeadLetters,
  countDeadLettersByReason,
  getDeadLetter,
  listDeadLetters,
  recordDeadLetters,
} from "./dead-letters";
import {
  commitRetention,
  deleteBatches,
  deleteSource,
  expiredRawBatches,
  updateSourceLifecycle,
} from "./lifecycle";
import { opsCostCounts, opsSampleFigures } from "./ops-figures";
import {
  assignReplayBatch,
  createReplayJob,
  discardDeadLetters,
  finishReplayJob,
  getReplayJob,
  listReplayJobs,
  nextReplayItems,
  outstandingReplayBatches,
  pauseReplayJob,
  recordDeadLetterEdit,
  recordReplayOutcomes,
  replayBatchItems,
  replayCandidates,
  replayJobState,
  replayManifests,
  runnableReplayJobs,
  setReplayJobStatus,
  setReplaySendingRate,
  settleReplayItems,
  startReplayJob,
} from "./replay-jobs";
import {
  cancelReprocessJob,
  commitReprocess,
  completeReprocessJob,
  createReprocessJob,
  finishReprocessJob,
  getReprocessJob,
  listReprocessJobs,
  reprocessBatches,
  reprocessJobState,
  resolveReprocessedLetters,
  runnableReprocessJobs,
  startReprocessJob,
  updateReprocessProgress,
} from "./reprocess-jobs";
import {
  getSchemaVersion,
  listSchemaVersions,
  registerSchemaVersion,
  setSourceCompatibility,
  tableDependents,
} from "./schema-versions";
import { claimEventIds, claimedEventIds, maintainSeenEventPartitions, releaseEventIds } from "./seen-events";
import { batchProgress, commitLatency, sourceActivityByMinute } from "./source-activity";
import {
  countSources,
  createSource,
  existingSourceIds,
  findSourceBySlug,
  getSource,
  listSources,
  setSourceStatus,
} from "./source-catalog";
import { lockTableAccess, setDenyUnruledColumns, tableAccessSettings } from "./table-access";
import {
  getTableSummary,
  listPartitions,
  listSnapshots,
  listTables,
  rawZoneDays,
  rawZoneSources,
} from "./table-browse";
import {
  commitAppend,
  commitCompaction,
  describeTable,
  ensureCuratedTable,
  expireReplacedFiles,
  knownFilePaths,
  tableNames,
  tableSnapshot,
} from "./table-catalog";
import { tableVersion } from "./table-version";
import { type Queryable, withTransaction } from "./transaction";

/**
 * The catalog's writes on a connection whose transaction the caller runs: so a control-plane row (an
 * audit entry) can commit or roll back together with the catalog change it records.
 */
export function pgCatalogTransaction(tx: Queryable): CatalogTransaction {
  return {
    describeTable: (name) => describeTable(tx, name),
    lockTableAccess: (tableId) => lockTableAccess(tx, tableId),
    setDenyUnruledColumns: (tableId, deny) => setDenyUnruledColumns(tx, tableId, deny),
    lockBatchStates: (ids) => lockBatchStates(tx, ids),
    lockPendingBatches: (ids) => lockPendingBatches(tx, ids),
    claimEventIds: (sourceId, ids, opts) =>
      claimEventIds(tx, sourceId, ids, opts?.earlierDaysChecked ?? false),
    commitAppend: (commit) => commitAppend(tx, commit),
    commitCompaction: (commit) => commitCompaction(tx, commit),
    recordDeadLetters: (rows) => recordDeadLetters(tx, rows),
    withdrawDeadLetterCopies: (ids, reason, actor) => withdrawDeadLetterCopies(tx, ids, reason, actor),
    markBatchesFailed: (ids) => markBatchesFailed(tx, ids),
    existingSourceIds: (ids) => existingSourceIds(tx, ids),
    createSource: (source) => createSource(tx, source),
    setSourceStatus: (id, status) => setSourceStatus(tx, id, status),
    registerSchemaVersion: (version) => registerSchemaVersion(tx, version),
    setSourceCompatibility: (id, mode) => setSourceCompatibility(tx, id, mode),
    expireReplacedFiles: (tableId, retentionMs, limit) =>
      expireReplacedFiles(tx, tableId, retentionMs, limit),
    commitRetention: (tableId, before) => commitRetention(tx, tableId, before),
    deleteSource: (id, mode) => deleteSource(tx, id, mode),
    updateSourceLifecycle: (id, next) => updateSourceLifecycle(tx, id, next),
    createAnalyticsTable: (table) => createAnalyticsTable(tx, table),
    updateAnalyticsTable: (name, change) => updateAnalyticsTable(tx, name, change),
    commitRefresh: (commit) => commitRefresh(tx, commit),
    dropAnalyticsTable: (name) => dropAnalyticsTable(tx, name),
    createReplayJob: (job) => createReplayJob(tx, job),
    setReplayJobStatus: (id, to, from) => setReplayJobStatus(tx, id, to, from),
    recordDeadLetterEdit: (letterId, payload, actor) => recordDeadLetterEdit(tx, letterId, payload, actor),
    discardDeadLetters: (ids, reason, actor) => discardDeadLetters(tx, ids, reason, actor),
    recordReplayOutcomes: (outcomes) => recordReplayOutcomes(tx, outcomes),
    createReprocessJob: (job) => createReprocessJob(tx, job),
    cancelReprocessJob: (id) => cancelReprocessJob(tx, id),
    commitReprocess: (commit) => commitReprocess(tx, commit),
    releaseEventIds: (sourceId, ids) => releaseEventIds(tx, sourceId, ids),
    resolveReprocessedLetters: (jobId, sourceId, events) =>
      resolveReprocessedLetters(tx, jobId, sourceId, events),
    completeReprocessJob: (id, result, seq) => completeReprocessJob(tx, id, result, seq),
  };
}

export class PgCatalog implements Catalog {
  readonly url: string;
  private readonly pool: pg.Pool;

  constructor(db: Pick<Db, "pool" | "url">) {
    this.pool = db.pool;
    this.url = db.url;
  }

  transaction<T>(fn: (tx: CatalogTransaction) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, (client) => fn(pgCatalogTransaction(client)));
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  getSource(id: string): Promise<SourceRecord | undefined> {
    return getSource(this.pool, id);
  }

  findSourceBySlug(slug: string): Promise<SourceRecord | undefined> {
    return findSourceBySlug(this.pool, slug);
  }

  listSources(): Promise<SourceRecord[]> {
    return listSources(this.pool);
  }

  countDeadLetters(status: DeadLetterStatus): Promise<number> {
    return countDeadLetters(this.pool, status);
  }

  deadLetterGroups(filter: DeadLetterFilter, opts: DeadLetterGroupOptions): Promise<DeadLetterGroupPage> {
    return boundedRead(this.pool, filter, (q) => deadLetterGroups(q, filter, opts), { workMem: "64MB" });
  }

  countSources(): Promise<number> {
    return countSources(this.pool);
  }

  acceptedEventsBySource(since: Date): Promise<Map<string, number>> {
    return acceptedEventsBySource(this.pool, since);
  }

  acceptedEventsByHour(since: Date): Promise<{ hour: Date; events: number }[]> {
    return acceptedEventsByHour(this.pool, since);
  }

  batchesReceivedSince(since: Date): Promise<number> {
    return batchesReceivedSince(this.pool, since);
  }

  expiredRawBatches(now: Date, limit: number): Promise<ExpiredRawBatch[]> {
    return expiredRawBatches(this.pool, now, limit);
  }

  deleteBatches(ids: string[]): Promise<number> {
    return deleteBatches(this.pool, ids);
  }

  finishedJudgedRecords(finishedBefore: Date, limit: number): Promise<JudgedRecordBatch[]> {
    return finishedJudgedRecords(this.pool, finishedBefore, limit);
  }

  forgetJudgedRecords(ids: string[]): Promise<void> {
    return forgetJudgedRecords(this.pool, ids);
  }

  sourceActivityByMinute(sourceId: string, since: Date): Promise<MinuteActivity[]> {
    return sourceActivityByMinute(this.pool, sourceId, since);
  }

  commitLatency(sourceId: string, since: Date): Promise<CommitLatency> {
    return commitLatency(this.pool, sourceId, since);
  }

  batchProgress(id: string): Promise<BatchProgress | undefined> {
    return batchProgress(this.pool, id);
  }

  registerBatch(batch: NewBatch): Promise<RegisteredBatch> {
    if (!batch.validated?.deadLetters.length) return registerBatch(this.pool, batch);
    return withTransaction(this.pool, (client) => registerBatch(client, batch));
  }

  batchStates(ids: string[]): Promise<Map<string, BatchState>> {
    return batchStates(this.pool, ids);
  }

  strandedBatches(olderThanMs: number, limit: number): Promise<StrandedBatch[]> {
    return strandedBatches(this.pool, olderThanMs, limit);
  }

  markBatchesFailed(ids: string[]): Promise<Set<string>> {
    return markBatchesFailed(this.pool, ids);
  }

  ingestBacklog(): Promise<SourceBacklog[]> {
    return ingestBacklog(this.pool);
  }

  recordDeadLetters(rows: NewDeadLetter[]): Promise<string[]> {
    return recordDeadLetters(this.pool, rows);
  }

  listDeadLetters(
    filter: DeadLetterFilter,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<{ items: DeadLetterSummary[]; nextCursor: string | undefined }> {
    return boundedRead(this.pool, filter, (q) => listDeadLetters(q, filter, page));
  }

  countDeadLettersByReason(
    filter: Omit<DeadLetterFilter, "reasonCode">,
  ): Promise<{ reasonCode: string; count: number }[]> {
    return boundedRead(this.pool, filter, (q) => countDeadLettersByReason(q, filter));
  }

  getDeadLetter(id: string, opts?: { maxPayloadChars?: number }): Promise<DeadLetterRecord | undefined> {
    return getDeadLetter(this.pool, id, opts);
  }

  ensureCuratedTable(
    source: { id: string; slug: string; schemaVersionId: string | undefined },
    evolve: (existing: ColumnSpec[]) => ColumnSpec[],
  ): Promise<CuratedTable> {
    return ensureCuratedTable(this.pool, this.url, source, evolve);
  }

  describeTable(name: string): Promise<TableInfo | undefined> {
    return describeTable(this.pool, name);
  }

  tableSnapshot(name: string): Promise<TableSnapshotView | undefined> {
    return tableSnapshot(this.pool, name);
  }

  tableVersion(name: string): Promise<TableVersion | undefined> {
    return tableVersion(this.pool, name);
  }

  tableNames(zone: string): Promise<string[]> {
    return tableNames(this.pool, zone);
  }

  knownFilePaths(tableId: string, paths: string[]): Promise<Set<string>> {
    return knownFilePaths(this.pool, tableId, paths);
  }

  listSchemaVersions(sourceId: string): Promise<SchemaVersionRecord[]> {
    return listSchemaVersions(this.pool, sourceId);
  }

  getSchemaVersion(sourceId: string, version: number): Promise<SchemaVersionRecord | undefined> {
    return getSchemaVersion(this.pool, sourceId, version);
  }

  tableDependents(tableName: string): Promise<TableDependents> {
    return tableDependents(this.pool, tableName);
  }

  opsSampleFigures(from: Date, now: Date): Promise<OpsSampleFigures> {
    return opsSampleFigures(this.pool, from, now);
  }

  opsCostCounts(from: Date): Promise<OpsCostCounts> {
    return opsCostCounts(this.pool, from);
  }

  tableAccessSettings(tableIds: readonly string[]): Promise<Map<string, TableAccessSettings>> {
    return tableAccessSettings(this.pool, tableIds);
  }

  listTables(): Promise<TableSummary[]> {
    return listTables(this.pool);
  }

  getTableSummary(name: string): Promise<TableSummary | undefined> {
    return getTableSummary(this.pool, name);
  }

  listPartitions(
    tableId: string,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<CatalogPage<PartitionSummary> & { seq: number }> {
    return listPartitions(this.pool, tableId, page);
  }

  listSnapshots(
    tableId: string,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<CatalogPage<SnapshotSummary>> {
    return listSnapshots(this.pool, tableId, page);
  }

  rawZoneSources(): Promise<RawZoneSource[]> {
    return rawZoneSources(this.pool);
  }

  rawZoneDays(
    sourceId: string,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<CatalogPage<RawZoneDay>> {
    return rawZoneDays(this.pool, sourceId, page);
  }

  getAnalyticsTable(name: string): Promise<AnalyticsTableRecord | undefined> {
    return getAnalyticsTable(this.pool, name);
  }

  listAnalyticsTables(): Promise<AnalyticsTableRecord[]> {
    return listAnalyticsTables(this.pool);
  }

  dueAnalyticsTables(opts: { now: Date; retryFailedAfterMs: number }): Promise<DueAnalyticsTable[]> {
    return dueAnalyticsTables(this.pool, opts);
  }

  changedPartitions(tableId: string, afterSeq: number, atSeq: number): Promise<string[]> {
    return changedPartitions(this.pool, tableId, afterSeq, atSeq);
  }

  recordRefreshFailure(tableId: string, error: string): Promise<void> {
    return recordRefreshFailure(this.pool, tableId, error);
  }

  maintainDedupeIndex(): Promise<DedupePartitionChanges> {
    return withTransaction(this.pool, (client) => maintainSeenEventPartitions(client));
  }

  tryLease(key: string): Promise<CatalogLease | undefined> {
    return tryLease(this.pool, key);
  }

  getReplayJob(id: string): Promise<ReplayJobRecord | undefined> {
    return getReplayJob(this.pool, id);
  }

  listReplayJobs(page: {
    status?: ReplayJobStatus | undefined;
    cursor?: string | undefined;
    limit: number;
  }): Promise<{ items: ReplayJobRecord[]; nextCursor: string | undefined }> {
    return listReplayJobs(this.pool, page);
  }

  replayJobState(
    id: string,
  ): Promise<{ status: ReplayJobStatus; cursor: number; ratePerSecond: number } | undefined> {
    return replayJobState(this.pool, id);
  }

  runnableReplayJobs(limit: number): Promise<string[]> {
    return runnableReplayJobs(this.pool, limit);
  }

  startReplayJob(id: string): Promise<ReplayJobStatus | undefined> {
    return startReplayJob(this.pool, id);
  }

  setReplaySendingRate(id: string, rate: number | null): Promise<void> {
    return setReplaySendingRate(this.pool, id, rate);
  }

  finishReplayJob(id: string, status: "succeeded" | "failed", error?: string): Promise<void> {
    return finishReplayJob(this.pool, id, status, error);
  }

  pauseReplayJob(id: string, error: string): Promise<void> {
    return pauseReplayJob(this.pool, id, error);
  }

  nextReplayItems(jobId: string, afterSeq: number, limit: number): Promise<ReplayItemToSend[]> {
    return nextReplayItems(this.pool, jobId, afterSeq, limit);
  }

  replayBatchItems(jobId: string, batchId: string): Promise<ReplayItemToSend[]> {
    return replayBatchItems(this.pool, jobId, batchId);
  }

  assignReplayBatch(assignment: ReplayBatchAssignment): Promise<boolean> {
    return withTransaction(this.pool, (tx) => assignReplayBatch(tx, assignment));
  }

  settleReplayItems(
    jobId: string,
    items: { seq: number; state: "skipped" | "failed"; reason: string; reasonCode?: string }[],
    batchId?: string,
  ): Promise<void> {
    return withTransaction(this.pool, (tx) => settleReplayItems(tx, jobId, items, batchId));
  }

  outstandingReplayBatches(jobId: string): Promise<OutstandingReplayBatch[]> {
    return outstandingReplayBatches(this.pool, jobId);
  }

  replayManifests(batchIds: string[]): Promise<Map<string, ReplayManifestItem[]>> {
    return replayManifests(this.pool, batchIds);
  }

  replayCandidates(
    selection: ReplaySelection,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<{ items: ReplayCandidate[]; nextCursor: string | undefined }> {
    return replayCandidates(this.pool, selection, page);
  }

  getReprocessJob(id: string): Promise<ReprocessJobRecord | undefined> {
    return getReprocessJob(this.pool, id);
  }

  listReprocessJobs(page: {
    sourceId?: string | undefined;
    cursor?: string | undefined;
    limit: number;
  }): Promise<{ items: ReprocessJobRecord[]; nextCursor: string | undefined }> {
    return listReprocessJobs(this.pool, page);
  }

  runnableReprocessJobs(limit: number): Promise<string[]> {
    return runnableReprocessJobs(this.pool, limit);
  }

  startReprocessJob(id: string): Promise<ReprocessJobStatus | undefined> {
    return startReprocessJob(this.pool, id);
  }

  reprocessJobState(id: string): Promise<{ status: ReprocessJobStatus; ratePerSecond: number } | undefined> {
    return reprocessJobState(this.pool, id);
  }

  updateReprocessProgress(
    id: string,
    progress: {
      phase: ReprocessPhase;
      batchesTotal: number;
      batchesDone: number;
      eventsTotal: number;
      eventsRead: number;
    },
  ): Promise<void> {
    return updateReprocessProgress(this.pool, id, progress);
  }

  finishReprocessJob(
    id: string,
    outcome: { status: "succeeded"; result: ReprocessFigures } | { status: "failed"; error: string },
  ): Promise<void> {
    return finishReprocessJob(this.pool, id, outcome);
  }

  reprocessBatches(sourceId: string, from: Date, to: Date): Promise<ReprocessBatch[]> {
    return reprocessBatches(this.pool, sourceId, from, to);
  }

  claimedEventIds(sourceId: string, ids: string[]): Promise<Set<string>> {
    return claimedEventIds(this.pool, sourceId, ids);
  }

  deadLetterHistory(id: string): Promise<DeadLetterHistoryEntry[] | undefined> {
    return deadLetterHistory(this.pool, id);
  }
}
