// The catalog side of a source's lifecycle: retention snapshots that drop curated partitions past the
// source's retention, raw batches past raw retention, and deleting a source (its data kept or purged).
import type {
  DeletedSource,
  ExpiredRawBatch,
  RetentionCommit,
  SourceDeletion,
  SourceLifecycle,
} from "../ports/catalog";
import { curatedTableName, insertSnapshot, lockTable } from "./table-catalog";
import type { Queryable } from "./transaction";

/**
 * Removes the table's files whose partition date (`dt=YYYY-MM-DD…`) is before `before` in a
 * `retention` snapshot; the files themselves go through the vacuum like replaced ones. Undefined when
 * no file is that old (no snapshot is made).
 */
export async function commitRetention(
  tx: Queryable,
  tableId: string,
  before: string,
): Promise<RetentionCommit | undefined> {
  const current = await lockTable(tx, tableId);
  const res = await tx.query<{ id: string; partition: string; rows: string; bytes: string }>(
    `SELECT id, partition, row_count::text AS rows, bytes::text AS bytes FROM data_files
     WHERE table_id = $1 AND removed_seq IS NULL AND partition ~ '^dt=\\d{4}-\\d{2}-\\d{2}'
       AND substr(partition, 4, 10) < $2
     ORDER BY partition`,
    [tableId, before],
  );
  if (res.rows.length === 0) return undefined;
  const seq = current + 1;
  const ids = res.rows.map((r) => r.id);
  await tx.query("UPDATE data_files SET removed_seq = $3 WHERE table_id = $1 AND id = ANY($2::text[])", [
    tableId,
    ids,
    seq,
  ]);
  const partitions = [...new Set(res.rows.map((r) => r.partition))];
  const rows = res.rows.reduce((n, r) => n + Number(r.rows), 0);
  const bytes = res.rows.reduce((n, r) => n + Number(r.bytes), 0);
  await insertSnapshot(tx, tableId, seq, "retention", [], ids.length, {
    before,
    partitions,
    removedRows: rows,
    removedBytes: bytes,
  });
  return { seq, partitions, files: ids.length, rows, bytes };
}

/** Committed batches received longer ago than their source's raw retention, oldest first. */
export async function expiredRawBatches(q: Queryable, now: Date, limit: number): Promise<ExpiredRawBatch[]> {
  const res = await q.query<{ id: string; raw_key: string; source_id: string; slug: string; bytes: string }>(
    `SELECT b.id, b.raw_key, b.source_id, s.slug, b.bytes::text AS bytes
     FROM batches b JOIN sources s ON s.id = b.source_id
     WHERE b.status = 'committed'
       AND b.received_at < ($1::timestamptz AT TIME ZONE 'UTC') - make_interval(days => s.raw_retention_days)
     ORDER BY b.received_at LIMIT $2`,
    [now.toISOString(), limit],
  );
  return res.rows.map((r) => ({
    id: r.id,
    rawKey: r.raw_key,
    sourceId: r.source_id,
    slug: r.slug,
    bytes: Number(r.bytes),
  }));
}

/** Forgets batches whose raw objects were deleted; returns how many rows went. */
export async function deleteBatches(q: Queryable, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await q.query<{ id: string }>(
    "DELETE FROM batches WHERE id = ANY($1::text[]) AND status = 'committed' RETURNING id",
    [ids],
  );
  return res.rows.length;
}

/**
 * Deletes the source with its schema versions, batches and (by cascade) API keys. `keep`: its curated
 * table stays, detached from any source and queryable, and its dead letters stay; `purge`: the table's
 * rows and the source's dead letters go too, and the object prefixes to delete are returned. Undefined
 * when there is no such source.
 */
export async function deleteSource(
  tx: Queryable,
  id: string,
  mode: SourceDeletion,
): Promise<DeletedSource | undefined> {
  const src = await tx.query<{ slug: string }>("SELECT slug FROM sources WHERE id = $1 FOR UPDATE", [id]);
  const slug = src.rows[0]?.slug;
  if (slug === undefined) return undefined;
  const stats = await tx.query<{ files: number; bytes: string; batches: number; letters: number }>(
    `SELECT (SELECT count(*)::int FROM data_files f JOIN lake_tables t ON t.id = f.table_id
             WHERE t.source_id = $1 AND f.removed_seq IS NULL) AS files,
            (SELECT coalesce(sum(f.bytes), 0)::text FROM data_files f JOIN lake_tables t ON t.id = f.table_id
             WHERE t.source_id = $1 AND f.removed_seq IS NULL) AS bytes,
            (SELECT count(*)::int FROM batches WHERE source_id = $1) AS batches,
            (SELECT count(*)::int FROM dead_letters WHERE source_id = $1) AS letters`,
    [id],
  );
  const s = stats.rows[0] ?? { files: 0, bytes: "0", batches: 0, letters: 0 };
  if (mode === "keep") {
    await tx.query("UPDATE lake_tables SET source_id = NULL WHERE source_id = $1", [id]);
  } else {
    await tx.query("DELETE FROM dead_letters WHERE source_id = $1", [id]);
    await tx.query("DELETE FROM lake_tables WHERE source_id = $1", [id]);
  }
  await tx.query("DELETE FROM seen_events WHERE source_id = $1", [id]);
  await tx.query("UPDATE sources SET active_schema_version_id = NULL WHERE id = $1", [id]);
  await tx.query("DELETE FROM sources WHERE id = $1", [id]);
  return {
    slug,
    mode,
    table: mode === "keep" ? curatedTableName(slug) : undefined,
    files: s.files,
    bytes: Number(s.bytes),
    batches: s.batches,
    deadLetters: s.letters,
    purgePrefixes: mode === "purge" ? [`raw/${slug}/`, `curated/${slug}/`, `landing/${slug}/`] : [],
  };
}

/** Sets a source's retention, raw retention, raw archive age and dedupe window (when given); returns the values before, undefined when none. */
export async function updateSourceLifecycle(
  tx: Queryable,
  id: string,
  next: SourceLifecycle,
): Promise<SourceLifecycle | undefined> {
  const res = await tx.query<{
    retention_days: number;
    raw_retention_days: number;
    raw_archive_days: number | null;
    dedupe_window_hours: number;
  }>(
    `WITH old AS (SELECT id, retention_days, raw_retention_days, raw_archive_days, dedupe_window_hours
                  FROM sources WHERE id = $1 FOR UPDATE),
     changed AS (
       UPDATE sources s SET retention_days = $2, raw_retention_days = $3, raw_archive_days = $4,
                            dedupe_window_hours = coalesce($5, old.dedupe_window_hours),
                            updated_at = (now() AT TIME ZONE 'UTC')
       FROM old WHERE s.id = old.id RETURNING s.id
     )
     SELECT retention_days, raw_retention_days, raw_archive_days, dedupe_window_hours FROM old`,
    [
      id,
      next.retentionDays,
      next.rawRetentionDays,
      next.rawArchiveDays ?? null,
      next.dedupeWindowHours ?? null,
    ],
  );
  const row = res.rows[0];
  if (!row) return undefined;
  return {
    retentionDays: row.retention_days,
    rawRetentionDays: row.raw_retention_days,
    rawArchiveDays: row.raw_archive_days ?? undefined,
    dedupeWindowHours: row.dedupe_window_hours,
  };
}
