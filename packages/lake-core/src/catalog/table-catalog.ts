// Lake tables in the catalog: the curated table of a source, append and compaction commits (one
// snapshot each, serialized on the table row), and the files of the committed snapshot for readers.
import { randomUUID } from "node:crypto";
import { InletError } from "../errors";
import type {
  AppendCommit,
  BatchOutcome,
  ColumnSpec,
  CompactionCommit,
  CuratedTable,
  FileColumnStats,
  NewDataFile,
  SnapshotOperation,
  TableInfo,
  TableSnapshotView,
  VisibleFile,
} from "../ports/catalog";
import { NOW_UTC, type Queryable } from "./transaction";

export function curatedTableName(slug: string): string {
  return `curated.${slug}`;
}

const ensured = new Map<string, string>();

/**
 * Creates `curated.{slug}` on first use and keeps its column list in step with the active schema.
 * Cached per (source, schema version) so the steady state costs no catalog write.
 */
export async function ensureCuratedTable(
  q: Queryable,
  catalogUrl: string,
  source: { id: string; slug: string; schemaVersionId: string | undefined },
  evolve: (existing: ColumnSpec[]) => ColumnSpec[],
): Promise<CuratedTable> {
  const name = curatedTableName(source.slug);
  const cacheKey = `${catalogUrl}\0${source.id}\0${source.schemaVersionId ?? ""}`;
  const cachedId = ensured.get(cacheKey);
  if (cachedId) return { id: cachedId, name };
  const initial = evolve([]);
  await q.query(
    `INSERT INTO lake_tables (id, name, zone, source_id, partition_by, columns, current_seq, created_at, updated_at)
     VALUES ($1, $2, 'curated', $3, ARRAY['dt'], $4::jsonb, 0, ${NOW_UTC}, ${NOW_UTC})
     ON CONFLICT (name) DO NOTHING`,
    [randomUUID(), name, source.id, JSON.stringify(initial)],
  );
  // Compare and set: workers on different schema versions evolve the list at once (a version registered
  // while both commit), and one that read the list before another wrote a newer version's columns must
  // not write over them. A write that finds the list changed since its read evolves it again.
  for (let attempt = 1; ; attempt++) {
    const res = await q.query<{ id: string; columns: ColumnSpec[] | null }>(
      "SELECT id, columns FROM lake_tables WHERE name = $1",
      [name],
    );
    const row = res.rows[0];
    if (!row) throw new Error(`lake table ${name} vanished after insert`);
    const merged = evolve(row.columns ?? []);
    const unchanged = JSON.stringify(merged) === JSON.stringify(row.columns);
    const written =
      unchanged ||
      (
        await q.query<{ id: string }>(
          `UPDATE lake_tables SET columns = $2::jsonb, updated_at = ${NOW_UTC}
            WHERE id = $1 AND columns IS NOT DISTINCT FROM $3::jsonb RETURNING id`,
          [row.id, JSON.stringify(merged), row.columns === null ? null : JSON.stringify(row.columns)],
        )
      ).rows.length > 0;
    if (written) {
      ensured.set(cacheKey, row.id);
      return { id: row.id, name };
    }
    if (attempt >= COLUMN_WRITE_ATTEMPTS) {
      throw new InletError(
        "CONFLICT",
        `the columns of ${name} changed under each of ${attempt} attempts to evolve them; retried with the batch`,
      );
    }
  }
}

/** Each failed attempt means another writer changed the list: a few are plenty. */
const COLUMN_WRITE_ATTEMPTS = 10;

/** Locks the table row until the transaction ends; returns the newest committed snapshot seq. */
/** Locks the table row until the transaction ends; returns its current seq. */
export async function lockTable(tx: Queryable, tableId: string): Promise<number> {
  const res = await tx.query<{ current_seq: number }>(
    "SELECT current_seq FROM lake_tables WHERE id = $1 FOR UPDATE",
    [tableId],
  );
  const row = res.rows[0];
  if (!row) throw new Error(`lake table ${tableId} does not exist`);
  return row.current_seq;
}

const INSERT_FILES_SQL = `
INSERT INTO data_files (id, table_id, path, partition, row_count, bytes, min_event_time, max_event_time,
                        added_seq, batch_id, column_stats, created_at)
SELECT f.id, $1, f.path, f.partition, f.row_count, f.bytes,
       f.min_t AT TIME ZONE 'UTC', f.max_t AT TIME ZONE 'UTC', $2, f.batch_id, f.column_stats, ${NOW_UTC}
FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::timestamptz[], $9::timestamptz[],
            $10::text[], $11::jsonb[]) AS f(id, path, partition, row_count, bytes, min_t, max_t, batch_id, column_stats)`;

export async function insertFiles(
  tx: Queryable,
  tableId: string,
  seq: number,
  files: NewDataFile[],
): Promise<void> {
  if (files.length === 0) return;
  await tx.query(INSERT_FILES_SQL, [
    tableId,
    seq,
    files.map(() => randomUUID()),
    files.map((f) => f.path),
    files.map((f) => f.partition),
    files.map((f) => String(f.rowCount)),
    files.map((f) => String(f.bytes)),
    files.map((f) => f.minEventTime?.toISOString() ?? null),
    files.map((f) => f.maxEventTime?.toISOString() ?? null),
    files.map((f) => f.batchId ?? null),
    files.map((f) => JSON.stringify(f.columnStats ?? {})),
  ]);
}

/**
 * Records snapshot `seq` of the table and makes it the current one. Its time is the clock's when it is
 * made, under the table's lock, not the transaction's start (now()): a commit that began before another
 * but took the lock after it makes the later snapshot, and must not be stamped earlier than the one
 * before it.
 */
export async function insertSnapshot(
  tx: Queryable,
  tableId: string,
  seq: number,
  operation: Exclude<SnapshotOperation, "replay">,
  added: NewDataFile[],
  removedFiles: number,
  summary: Record<string, unknown>,
): Promise<void> {
  const addedRows = added.reduce((n, f) => n + f.rowCount, 0);
  await tx.query(
    `INSERT INTO snapshots (id, table_id, seq, operation, added_files, removed_files, added_rows, summary, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, (clock_timestamp() AT TIME ZONE 'UTC'))`,
    [
      randomUUID(),
      tableId,
      seq,
      operation,
      added.length,
      removedFiles,
      String(addedRows),
      JSON.stringify(summary),
    ],
  );
  await tx.query(`UPDATE lake_tables SET current_seq = $2, updated_at = ${NOW_UTC} WHERE id = $1`, [
    tableId,
    seq,
  ]);
}

/**
 * Commits an append inside the caller's transaction: the new files become visible at
 * current_seq + 1 together with the batches turning committed. With no files (everything rejected
 * or duplicate) no snapshot is made; the batches are still marked committed. Returns the table's
 * newest seq.
 */
export async function commitAppend(tx: Queryable, commit: AppendCommit): Promise<number> {
  const current = await lockTable(tx, commit.tableId);
  let seq = current;
  if (commit.files.length > 0) {
    seq = current + 1;
    await insertFiles(tx, commit.tableId, seq, commit.files);
    await insertSnapshot(tx, commit.tableId, seq, "append", commit.files, 0, { batchIds: commit.batchIds });
  }
  await markBatchesCommitted(tx, commit.batchIds, commit.counts);
  return seq;
}

async function markBatchesCommitted(tx: Queryable, ids: string[], counts: Map<string, BatchOutcome>) {
  if (ids.length === 0) return;
  const outcome = ids.map((id) => counts.get(id) ?? { accepted: 0, rejected: 0, duplicates: 0 });
  await tx.query(
    `UPDATE batches b
     SET status = 'committed', accepted = u.accepted, rejected = u.rejected, duplicates = u.duplicates,
         committed_at = ${NOW_UTC}
     FROM unnest($1::text[], $2::int[], $3::int[], $4::int[]) AS u(id, accepted, rejected, duplicates)
     WHERE b.id = u.id AND b.status = 'received'`,
    [ids, outcome.map((o) => o.accepted), outcome.map((o) => o.rejected), outcome.map((o) => o.duplicates)],
  );
}

/**
 * Replaces small files by one file in a `compact` snapshot. Returns false (and changes nothing) when
 * one of the files was already removed by a concurrent compaction or retention.
 */
export async function commitCompaction(tx: Queryable, commit: CompactionCommit): Promise<boolean> {
  const current = await lockTable(tx, commit.tableId);
  const live = await tx.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM data_files WHERE table_id = $1 AND id = ANY($2::text[]) AND removed_seq IS NULL",
    [commit.tableId, commit.removedFileIds],
  );
  if (live.rows[0]?.n !== commit.removedFileIds.length) return false;
  const seq = current + 1;
  await insertFiles(tx, commit.tableId, seq, [commit.added]);
  await tx.query("UPDATE data_files SET removed_seq = $3 WHERE table_id = $1 AND id = ANY($2::text[])", [
    commit.tableId,
    commit.removedFileIds,
    seq,
  ]);
  await insertSnapshot(tx, commit.tableId, seq, "compact", [commit.added], commit.removedFileIds.length, {
    partition: commit.added.partition,
    removedFileIds: commit.removedFileIds,
  });
  return true;
}

interface VisibleRow {
  table_id: string;
  name: string;
  seq: number;
  columns: ColumnSpec[];
  partition_by: string[];
  file_id: string | null;
  path: string | null;
  partition: string | null;
  row_count: string | null;
  bytes: string | null;
  min_ms: number | null;
  max_ms: number | null;
  added_seq: number | null;
  column_stats: FileColumnStats | null;
}

// One statement reads current_seq and the files together, so it sees one committed snapshot.
const VISIBLE_SQL = `
SELECT t.id AS table_id, t.name, t.current_seq AS seq, t.columns, t.partition_by,
       f.id AS file_id, f.path, f.partition, f.row_count::text, f.bytes::text,
       (extract(epoch FROM f.min_event_time) * 1000)::float8 AS min_ms,
       (extract(epoch FROM f.max_event_time) * 1000)::float8 AS max_ms, f.added_seq, f.column_stats
FROM lake_tables t
LEFT JOIN data_files f ON f.table_id = t.id AND f.added_seq <= t.current_seq
  AND (f.removed_seq IS NULL OR f.removed_seq > t.current_seq)
WHERE t.name = $1
ORDER BY f.partition, f.added_seq, f.path`;

/** The files of a table's committed snapshot (a query never sees half a batch), or undefined. */
export async function tableSnapshot(q: Queryable, tableName: string): Promise<TableSnapshotView | undefined> {
  const res = await q.query<VisibleRow>(VISIBLE_SQL, [tableName]);
  const first = res.rows[0];
  if (!first) return undefined;
  const files: VisibleFile[] = [];
  for (const r of res.rows) {
    if (r.file_id === null || r.path === null) continue;
    files.push({
      id: r.file_id,
      path: r.path,
      partition: r.partition ?? "",
      rowCount: Number(r.row_count),
      bytes: Number(r.bytes),
      minEventTime: r.min_ms === null ? undefined : new Date(r.min_ms),
      maxEventTime: r.max_ms === null ? undefined : new Date(r.max_ms),
      addedSeq: r.added_seq ?? 0,
      columnStats: r.column_stats ?? {},
    });
  }
  return {
    tableId: first.table_id,
    name: first.name,
    seq: first.seq,
    columns: first.columns ?? [],
    partitionBy: first.partition_by ?? [],
    files,
  };
}

export async function describeTable(q: Queryable, name: string): Promise<TableInfo | undefined> {
  const res = await q.query<{
    id: string;
    name: string;
    zone: string;
    source_id: string | null;
    slug: string | null;
  }>(
    `SELECT t.id, t.name, t.zone, t.source_id, s.slug
     FROM lake_tables t LEFT JOIN sources s ON s.id = t.source_id WHERE t.name = $1`,
    [name],
  );
  const r = res.rows[0];
  return r ? tableInfoOf(r) : undefined;
}

/** A lake_tables row joined to its source's slug, as TableInfo. */
export function tableInfoOf(r: {
  id: string;
  name: string;
  zone: string;
  source_id: string | null;
  slug: string | null;
}): TableInfo {
  return {
    id: r.id,
    name: r.name,
    zone: r.zone,
    sourceId: r.source_id ?? undefined,
    sourceSlug: r.slug ?? undefined,
  };
}

export async function tableNames(q: Queryable, zone: string): Promise<string[]> {
  const res = await q.query<{ name: string }>("SELECT name FROM lake_tables WHERE zone = $1 ORDER BY name", [
    zone,
  ]);
  return res.rows.map((r) => r.name);
}

export async function knownFilePaths(q: Queryable, tableId: string, paths: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (let i = 0; i < paths.length; i += 5_000) {
    const res = await q.query<{ path: string }>(
      "SELECT path FROM data_files WHERE table_id = $1 AND path = ANY($2::text[])",
      [tableId, paths.slice(i, i + 5_000)],
    );
    for (const r of res.rows) known.add(r.path);
  }
  return known;
}

/**
 * Deletes the rows of files whose replacing snapshot was committed more than retentionMs ago, with the
 * table row locked so a compaction cannot commit against them meanwhile; returns what they named.
 */
export async function expireReplacedFiles(
  tx: Queryable,
  tableId: string,
  retentionMs: number,
  limit: number,
): Promise<{ path: string; bytes: number }[]> {
  await tx.query("SELECT 1 FROM lake_tables WHERE id = $1 FOR UPDATE", [tableId]);
  const res = await tx.query<{ path: string; bytes: string }>(
    `DELETE FROM data_files f
     WHERE f.id IN (
       SELECT f2.id FROM data_files f2
       JOIN snapshots s ON s.table_id = f2.table_id AND s.seq = f2.removed_seq
       WHERE f2.table_id = $1 AND f2.removed_seq IS NOT NULL
         AND s.created_at < ${NOW_UTC} - make_interval(secs => $2::float8 / 1000)
       ORDER BY f2.removed_seq
       LIMIT $3)
     RETURNING f.path, f.bytes::text`,
    [tableId, retentionMs, limit],
  );
  return res.rows.map((r) => ({ path: r.path, bytes: Number(r.bytes) }));
}
