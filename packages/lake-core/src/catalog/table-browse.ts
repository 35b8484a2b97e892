// The tables browser's reads of the catalog: each table with its totals at its current snapshot, its
// partitions and snapshots (keyset-paged), and each source's raw zone counted from its batch records.
import { InletError } from "../errors";
import type {
  CatalogPage,
  ColumnSpec,
  PartitionSummary,
  RawZoneDay,
  RawZoneSource,
  SnapshotOperation,
  SnapshotSummary,
  TableSummary,
} from "../ports/catalog";
import { tableInfoOf } from "./table-catalog";
import type { Queryable } from "./transaction";

/** How many of a snapshot's batch ids a summary lists. */
export const SNAPSHOT_BATCH_IDS_SHOWN = 20;

// Timestamps are UTC wall-clock time without a zone: read as epoch milliseconds so node-pg's local-time
// parsing cannot shift them.
const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

// A file is visible at snapshot S when added_seq <= S and it was not removed at or before S.
const visibleAt = (seq: string) =>
  `f.added_seq <= ${seq} AND (f.removed_seq IS NULL OR f.removed_seq > ${seq})`;

interface TableRow {
  id: string;
  name: string;
  zone: string;
  source_id: string | null;
  slug: string | null;
  columns: ColumnSpec[] | null;
  partition_by: string[] | null;
  current_seq: number;
  rows: number;
  bytes: number;
  files: number;
  committed_ms: number | null;
}

// One statement reads current_seq, the files and the snapshot together: one committed state.
const TABLES_SQL = `
SELECT t.id, t.name, t.zone::text AS zone, t.source_id, s.slug, t.columns, t.partition_by, t.current_seq,
       COALESCE(v.rows, 0) AS rows, COALESCE(v.bytes, 0) AS bytes, COALESCE(v.files, 0) AS files,
       ${epochMs("snap.created_at")} AS committed_ms
FROM lake_tables t
LEFT JOIN sources s ON s.id = t.source_id
LEFT JOIN LATERAL (
  SELECT sum(f.row_count)::float8 AS rows, sum(f.bytes)::float8 AS bytes, count(*)::int AS files
  FROM data_files f WHERE f.table_id = t.id AND ${visibleAt("t.current_seq")}
) v ON true
LEFT JOIN snapshots snap ON snap.table_id = t.id AND snap.seq = t.current_seq`;

function toSummary(r: TableRow): TableSummary {
  return {
    ...tableInfoOf(r),
    columns: r.columns ?? [],
    partitionBy: r.partition_by ?? [],
    currentSeq: r.current_seq,
    rows: r.rows,
    bytes: r.bytes,
    files: r.files,
    lastCommitAt: r.committed_ms === null ? undefined : new Date(r.committed_ms),
  };
}

export async function listTables(q: Queryable): Promise<TableSummary[]> {
  const res = await q.query<TableRow>(`${TABLES_SQL} ORDER BY t.zone, t.name`);
  return res.rows.map(toSummary);
}

export async function getTableSummary(q: Queryable, name: string): Promise<TableSummary | undefined> {
  const res = await q.query<TableRow>(`${TABLES_SQL} WHERE t.name = $1`, [name]);
  const row = res.rows[0];
  return row ? toSummary(row) : undefined;
}

function badCursor(): InletError {
  return new InletError("BAD_REQUEST", "cursor is not one this list gave; start from the first page", {
    field: "cursor",
  });
}

/** A partitions cursor: the snapshot the first page read and the last partition shown. */
function parsePartitionCursor(cursor: string): { seq: number; after: string } {
  const m = /^(\d{1,9}):(.+)$/s.exec(cursor);
  if (!m) throw badCursor();
  return { seq: Number(m[1]), after: m[2]! };
}

// The snapshot is the one the cursor names (never past the current one), else the current one.
const PARTITIONS_SQL = `
WITH t AS (
  SELECT id, LEAST(COALESCE($2::int, current_seq), current_seq) AS seq FROM lake_tables WHERE id = $1
), parts AS (
  SELECT f.partition, sum(f.row_count)::float8 AS rows, sum(f.bytes)::float8 AS bytes, count(*)::int AS files,
         ${epochMs("min(f.min_event_time)")} AS min_ms, ${epochMs("max(f.max_event_time)")} AS max_ms
  FROM t JOIN data_files f ON f.table_id = t.id AND ${visibleAt("t.seq")}
  GROUP BY f.partition
)
SELECT t.seq, (SELECT count(*)::int FROM parts) AS total, p.*
FROM t LEFT JOIN LATERAL (
  SELECT * FROM parts WHERE $3::text IS NULL OR parts.partition < $3 ORDER BY parts.partition DESC LIMIT $4
) p ON true`;

export async function listPartitions(
  q: Queryable,
  tableId: string,
  page: { cursor?: string | undefined; limit: number },
): Promise<CatalogPage<PartitionSummary> & { seq: number }> {
  const at = page.cursor === undefined ? undefined : parsePartitionCursor(page.cursor);
  const res = await q.query<{
    seq: number;
    total: number;
    partition: string | null;
    rows: number;
    bytes: number;
    files: number;
    min_ms: number | null;
    max_ms: number | null;
  }>(PARTITIONS_SQL, [tableId, at?.seq ?? null, at?.after ?? null, page.limit + 1]);
  const first = res.rows[0];
  if (!first) return { items: [], nextCursor: undefined, total: 0, seq: 0 };
  const items: PartitionSummary[] = [];
  for (const r of res.rows) {
    if (r.partition === null) continue;
    items.push({
      partition: r.partition,
      rows: r.rows,
      bytes: r.bytes,
      files: r.files,
      minEventTime: r.min_ms === null ? undefined : new Date(r.min_ms),
      maxEventTime: r.max_ms === null ? undefined : new Date(r.max_ms),
    });
  }
  const shown = items.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    items: shown,
    nextCursor: items.length > page.limit && last ? `${first.seq}:${last.partition}` : undefined,
    total: first.total,
    seq: first.seq,
  };
}

// What committed a snapshot, from its summary: an append's (or replay's) `batchIds`, a compaction's
// `partition`, a retention's `partitions`. Anything else in a summary is left alone.
const SNAPSHOTS_SQL = `
SELECT (SELECT count(*)::int FROM snapshots c WHERE c.table_id = $1) AS total, p.*
FROM (SELECT 1) AS one LEFT JOIN LATERAL (
  SELECT s.seq, s.operation::text AS operation, s.added_files, s.removed_files,
         s.added_rows::float8 AS added_rows, ${epochMs("s.created_at")} AS created_ms,
         CASE WHEN jsonb_typeof(s.summary->'batchIds') = 'array'
              THEN jsonb_array_length(s.summary->'batchIds') ELSE 0 END AS batch_count,
         CASE WHEN jsonb_typeof(s.summary->'batchIds') = 'array'
              THEN ARRAY(SELECT e.id FROM jsonb_array_elements_text(s.summary->'batchIds') WITH ORDINALITY AS e(id, n)
                         ORDER BY e.n LIMIT ${SNAPSHOT_BATCH_IDS_SHOWN})
              ELSE ARRAY[]::text[] END AS batch_ids,
         CASE WHEN jsonb_typeof(s.summary->'partitions') = 'array'
              THEN ARRAY(SELECT e.p FROM jsonb_array_elements_text(s.summary->'partitions') WITH ORDINALITY AS e(p, n)
                         ORDER BY e.n)
              WHEN jsonb_typeof(s.summary->'partition') = 'string' THEN ARRAY[s.summary->>'partition']
              ELSE ARRAY[]::text[] END AS partitions
  FROM snapshots s
  WHERE s.table_id = $1 AND ($2::int IS NULL OR s.seq < $2)
  ORDER BY s.seq DESC
  LIMIT $3
) p ON true`;

export async function listSnapshots(
  q: Queryable,
  tableId: string,
  page: { cursor?: string | undefined; limit: number },
): Promise<CatalogPage<SnapshotSummary>> {
  if (page.cursor !== undefined && !/^\d{1,9}$/.test(page.cursor)) throw badCursor();
  const res = await q.query<{
    seq: number | null;
    operation: SnapshotOperation;
    added_files: number;
    removed_files: number;
    added_rows: number;
    created_ms: number;
    batch_count: number;
    batch_ids: string[];
    partitions: string[];
    total: number;
  }>(SNAPSHOTS_SQL, [tableId, page.cursor === undefined ? null : Number(page.cursor), page.limit + 1]);
  const found = res.rows.filter((r) => r.seq !== null);
  const items = found.slice(0, page.limit).map(
    (r): SnapshotSummary => ({
      seq: r.seq ?? 0,
      createdAt: new Date(r.created_ms),
      operation: r.operation,
      addedFiles: r.added_files,
      removedFiles: r.removed_files,
      addedRows: r.added_rows,
      batchIds: r.batch_ids,
      batchCount: r.batch_count,
      partitions: r.partitions,
    }),
  );
  const total = res.rows[0]?.total ?? 0;
  const last = items.at(-1);
  return {
    items,
    nextCursor: found.length > page.limit && last ? String(last.seq) : undefined,
    total,
  };
}

const RAW_SOURCES_SQL = `
SELECT s.id, s.slug, s.name, count(b.id)::float8 AS objects, COALESCE(sum(b.bytes), 0)::float8 AS bytes,
       COALESCE(sum(b.event_count), 0)::float8 AS events,
       count(b.id) FILTER (WHERE b.status = 'failed')::float8 AS failed,
       ${epochMs("min(b.received_at)")} AS oldest_ms, ${epochMs("max(b.received_at)")} AS newest_ms
FROM sources s LEFT JOIN batches b ON b.source_id = s.id
GROUP BY s.id, s.slug, s.name
ORDER BY s.slug`;

export async function rawZoneSources(q: Queryable): Promise<RawZoneSource[]> {
  const res = await q.query<{
    id: string;
    slug: string;
    name: string;
    objects: number;
    bytes: number;
    events: number;
    failed: number;
    oldest_ms: number | null;
    newest_ms: number | null;
  }>(RAW_SOURCES_SQL);
  return res.rows.map((r) => ({
    sourceId: r.id,
    sourceSlug: r.slug,
    sourceName: r.name,
    objects: r.objects,
    bytes: r.bytes,
    events: r.events,
    failedObjects: r.failed,
    oldestReceivedAt: r.oldest_ms === null ? undefined : new Date(r.oldest_ms),
    newestReceivedAt: r.newest_ms === null ? undefined : new Date(r.newest_ms),
  }));
}

const RAW_DAYS_SQL = `
WITH days AS (
  SELECT 'dt=' || to_char(b.received_at, 'YYYY-MM-DD') AS partition, count(*)::float8 AS objects,
         sum(b.bytes)::float8 AS bytes, sum(b.event_count)::float8 AS events,
         ${epochMs("min(b.received_at)")} AS first_ms, ${epochMs("max(b.received_at)")} AS last_ms
  FROM batches b WHERE b.source_id = $1
  GROUP BY 1
)
SELECT (SELECT count(*)::int FROM days) AS total, d.*
FROM (SELECT 1) AS one LEFT JOIN LATERAL (
  SELECT * FROM days WHERE $2::text IS NULL OR days.partition < $2 ORDER BY days.partition DESC LIMIT $3
) d ON true`;

export async function rawZoneDays(
  q: Queryable,
  sourceId: string,
  page: { cursor?: string | undefined; limit: number },
): Promise<CatalogPage<RawZoneDay>> {
  if (page.cursor !== undefined && !/^dt=\d{4}-\d{2}-\d{2}$/.test(page.cursor)) throw badCursor();
  const res = await q.query<{
    partition: string | null;
    objects: number;
    bytes: number;
    events: number;
    first_ms: number;
    last_ms: number;
    total: number;
  }>(RAW_DAYS_SQL, [sourceId, page.cursor ?? null, page.limit + 1]);
  const found = res.rows.filter((r): r is typeof r & { partition: string } => r.partition !== null);
  const items = found.slice(0, page.limit).map(
    (r): RawZoneDay => ({
      partition: r.partition,
      objects: r.objects,
      bytes: r.bytes,
      events: r.events,
      firstReceivedAt: new Date(r.first_ms),
      lastReceivedAt: new Date(r.last_ms),
    }),
  );
  const last = items.at(-1);
  return {
    items,
    nextCursor: found.length > page.limit && last ? last.partition : undefined,
    total: res.rows[0]?.total ?? 0,
  };
}
