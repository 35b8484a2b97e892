// Analytics (gold) tables in the catalog: registering one over the curated and analytics tables its SQL
// reads, changing its definition, finding those due for a refresh, committing a refresh as a `refresh`
// snapshot (all files, or only some partitions', replaced) or recording a failed one, and dropping one.
import { randomUUID } from "node:crypto";
import { InletError } from "../errors";
import type {
  AnalyticsRefreshMode,
  AnalyticsTableChange,
  AnalyticsTableRecord,
  ColumnSpec,
  DroppedAnalyticsTable,
  DueAnalyticsTable,
  NewAnalyticsTable,
  RefreshCommit,
  RefreshCommitted,
} from "../ports/catalog";
import { insertFiles, insertSnapshot, lockTable } from "./table-catalog";
import { NOW_UTC, type Queryable } from "./transaction";

/** analytics.{slug}: what SQL can name without quotes. */
export const ANALYTICS_TABLE_NAME = /^analytics\.[a-z][a-z0-9_]{0,62}$/;

/** The zones an analytics table may read. */
const INPUT_ZONES = ["curated", "analytics"];

interface AnalyticsRow {
  id: string;
  name: string;
  definition: string | null;
  inputs: Record<string, number> | null;
  refresh_mode: string | null;
  schedule_minutes: number | null;
  last_refresh_ms: number | null;
  last_refresh_error: string | null;
  created_by_id: string | null;
  columns: ColumnSpec[] | null;
  partition_by: string[] | null;
  current_seq: number;
  created_ms: number;
}

// Timestamps are UTC wall-clock time without a zone: read as epoch milliseconds.
const SELECT_SQL = `
SELECT t.id, t.name, t.definition, t.inputs, t.refresh_mode, t.schedule_minutes,
       (extract(epoch FROM t.last_refresh_at) * 1000)::float8 AS last_refresh_ms, t.last_refresh_error,
       t.created_by_id, t.columns, t.partition_by, t.current_seq,
       (extract(epoch FROM t.created_at) * 1000)::float8 AS created_ms
FROM lake_tables t WHERE t.zone = 'analytics'`;

function refreshModeOf(value: string | null): AnalyticsRefreshMode {
  return value === "schedule" ? "schedule" : "on_commit";
}

function toRecord(r: AnalyticsRow): AnalyticsTableRecord {
  const inputs: Record<string, number> = {};
  for (const [name, seq] of Object.entries(r.inputs ?? {})) inputs[name] = Number(seq) || 0;
  return {
    id: r.id,
    name: r.name,
    definition: r.definition ?? "",
    inputs,
    refreshMode: refreshModeOf(r.refresh_mode),
    scheduleMinutes: r.schedule_minutes ?? undefined,
    lastRefreshAt: r.last_refresh_ms === null ? undefined : new Date(r.last_refresh_ms),
    lastRefreshError: r.last_refresh_error ?? undefined,
    createdById: r.created_by_id ?? undefined,
    columns: r.columns ?? [],
    partitionBy: r.partition_by ?? [],
    currentSeq: r.current_seq,
    createdAt: new Date(r.created_ms),
  };
}

export async function getAnalyticsTable(
  q: Queryable,
  name: string,
): Promise<AnalyticsTableRecord | undefined> {
  const res = await q.query<AnalyticsRow>(`${SELECT_SQL} AND t.name = $1`, [name]);
  const row = res.rows[0];
  return row ? toRecord(row) : undefined;
}

export async function listAnalyticsTables(q: Queryable): Promise<AnalyticsTableRecord[]> {
  const res = await q.query<AnalyticsRow>(`${SELECT_SQL} ORDER BY t.name`);
  return res.rows.map(toRecord);
}

function badDefinition(message: string): InletError {
  return new InletError("BAD_REQUEST", message, { field: "definition" });
}

function scheduleOf(mode: AnalyticsRefreshMode, minutes: number | undefined): number | null {
  if (mode !== "schedule") return null;
  if (minutes === undefined || !Number.isInteger(minutes) || minutes < 1) {
    throw new InletError("BAD_REQUEST", "A scheduled refresh needs a whole number of minutes, at least 1", {
      field: "scheduleMinutes",
    });
  }
  return minutes;
}

/** The inputs in lower case, each once; refuses the table itself and tables that are not curated or analytics. */
async function checkInputs(q: Queryable, table: string, inputs: string[]): Promise<string[]> {
  const names = [...new Set(inputs.map((n) => n.toLowerCase()))].sort();
  if (names.includes(table)) {
    throw badDefinition(`The definition reads ${table} itself; an analytics table reads other tables only`);
  }
  const res = await q.query<{ name: string }>(
    "SELECT name FROM lake_tables WHERE name = ANY($1::text[]) AND zone::text = ANY($2::text[])",
    [names, INPUT_ZONES],
  );
  const found = new Set(res.rows.map((r) => r.name));
  const unknown = names.filter((n) => !found.has(n));
  if (unknown.length > 0) {
    const list = unknown.join(", ");
    throw badDefinition(
      `Unknown table${unknown.length > 1 ? "s" : ""} ${list}: an analytics table reads curated and analytics tables that exist`,
    );
  }
  return names;
}

/** Inputs at seq 0: the first refresh from them reads everything. */
function unread(inputs: string[]): Record<string, number> {
  return Object.fromEntries(inputs.map((n) => [n, 0]));
}

export async function createAnalyticsTable(
  tx: Queryable,
  table: NewAnalyticsTable,
): Promise<AnalyticsTableRecord> {
  if (!ANALYTICS_TABLE_NAME.test(table.name)) {
    throw new InletError(
      "BAD_REQUEST",
      "An analytics table's name is analytics. then a lower-case letter, then letters, digits or underscores (at most 63)",
      { field: "name" },
    );
  }
  const schedule = scheduleOf(table.refreshMode, table.scheduleMinutes);
  const inputs = await checkInputs(tx, table.name, table.inputs);
  const res = await tx.query<{ id: string }>(
    `INSERT INTO lake_tables (id, name, zone, partition_by, columns, definition, inputs, refresh_mode,
                              schedule_minutes, created_by_id, current_seq, created_at, updated_at)
     VALUES ($1, $2, 'analytics', $3::text[], $4::jsonb, $5, $6::jsonb, $7, $8, $9, 0, ${NOW_UTC}, ${NOW_UTC})
     ON CONFLICT (name) DO NOTHING
     RETURNING id`,
    [
      randomUUID(),
      table.name,
      table.partitionBy,
      JSON.stringify(table.columns),
      table.definition,
      JSON.stringify(unread(inputs)),
      table.refreshMode,
      schedule,
      table.createdById ?? null,
    ],
  );
  if (res.rows.length === 0) {
    throw new InletError("CONFLICT", `A table named ${table.name} already exists; choose another name`, {
      field: "name",
    });
  }
  const created = await getAnalyticsTable(tx, table.name);
  if (!created) throw new Error(`analytics table ${table.name} vanished after insert`);
  return created;
}

/** Which of `inputs` read `table`, directly or through other analytics tables. */
async function readersAmong(tx: Queryable, table: string, inputs: string[]): Promise<string[]> {
  const res = await tx.query<{ name: string }>(
    `WITH RECURSIVE readers(name) AS (
       SELECT t.name FROM lake_tables t WHERE t.zone = 'analytics' AND (t.inputs -> $1) IS NOT NULL
       UNION
       SELECT t.name FROM lake_tables t JOIN readers r ON (t.inputs -> r.name) IS NOT NULL WHERE t.zone = 'analytics'
     )
     SELECT name FROM readers WHERE name = ANY($2::text[]) ORDER BY name`,
    [table, inputs],
  );
  return res.rows.map((r) => r.name);
}

export async function updateAnalyticsTable(
  tx: Queryable,
  name: string,
  change: AnalyticsTableChange,
): Promise<{ before: AnalyticsTableRecord; after: AnalyticsTableRecord } | undefined> {
  const found = await tx.query<{ id: string }>(
    "SELECT id FROM lake_tables WHERE name = $1 AND zone = 'analytics' FOR UPDATE",
    [name],
  );
  if (!found.rows[0]) return undefined;
  const before = await getAnalyticsTable(tx, name);
  if (!before) return undefined;
  const mode = change.refreshMode ?? before.refreshMode;
  const schedule = scheduleOf(mode, change.scheduleMinutes ?? before.scheduleMinutes);
  const def = change.definition;
  if (def) {
    const inputs = await checkInputs(tx, name, def.inputs);
    const cycle = await readersAmong(tx, name, inputs);
    if (cycle.length > 0) {
      throw badDefinition(
        `The definition reads ${cycle.join(", ")}, which read${cycle.length > 1 ? "" : "s"} ${name}: a table cannot read itself, even through others`,
      );
    }
    await tx.query(
      `UPDATE lake_tables SET definition = $2, inputs = $3::jsonb, columns = $4::jsonb, partition_by = $5::text[],
              updated_at = ${NOW_UTC}
       WHERE id = $1`,
      [before.id, def.sql, JSON.stringify(unread(inputs)), JSON.stringify(def.columns), def.partitionBy],
    );
  }
  await tx.query(
    `UPDATE lake_tables SET refresh_mode = $2, schedule_minutes = $3, updated_at = ${NOW_UTC} WHERE id = $1`,
    [before.id, mode, schedule],
  );
  const after = await getAnalyticsTable(tx, name);
  if (!after) return undefined;
  return { before, after };
}

export async function commitRefresh(
  tx: Queryable,
  commit: RefreshCommit,
): Promise<RefreshCommitted | undefined> {
  const current = await lockTable(tx, commit.tableId);
  const row = await tx.query<{ definition: string | null }>(
    "SELECT definition FROM lake_tables WHERE id = $1 AND zone = 'analytics'",
    [commit.tableId],
  );
  if (current !== commit.baseSeq || row.rows[0]?.definition !== commit.definition) return undefined;
  const replaced = await tx.query<{ id: string }>(
    `SELECT id FROM data_files
     WHERE table_id = $1 AND removed_seq IS NULL AND ($2::text[] IS NULL OR partition = ANY($2::text[]))`,
    [commit.tableId, commit.partitions ?? null],
  );
  const removedIds = replaced.rows.map((r) => r.id);
  const rows = commit.files.reduce((n, f) => n + f.rowCount, 0);
  let seq = current;
  if (commit.files.length > 0 || removedIds.length > 0) {
    seq = current + 1;
    await insertFiles(tx, commit.tableId, seq, commit.files);
    if (removedIds.length > 0) {
      await tx.query("UPDATE data_files SET removed_seq = $3 WHERE table_id = $1 AND id = ANY($2::text[])", [
        commit.tableId,
        removedIds,
        seq,
      ]);
    }
    await insertSnapshot(tx, commit.tableId, seq, "refresh", commit.files, removedIds.length, {
      mode: commit.partitions === undefined ? "full" : "incremental",
      inputs: commit.inputs,
      ...(commit.partitions === undefined ? {} : { partitions: [...commit.partitions].sort() }),
    });
  }
  await tx.query(
    `UPDATE lake_tables SET inputs = $2::jsonb, columns = $3::jsonb, partition_by = $4::text[],
            last_refresh_at = ${NOW_UTC}, last_refresh_error = NULL, updated_at = ${NOW_UTC}
     WHERE id = $1`,
    [commit.tableId, JSON.stringify(commit.inputs), JSON.stringify(commit.columns), commit.partitionBy],
  );
  return { seq, addedFiles: commit.files.length, removedFiles: removedIds.length, rows };
}

export async function recordRefreshFailure(q: Queryable, tableId: string, error: string): Promise<void> {
  await q.query(
    `UPDATE lake_tables SET last_refresh_at = ${NOW_UTC}, last_refresh_error = $2, updated_at = ${NOW_UTC}
     WHERE id = $1 AND zone = 'analytics'`,
    // A NUL cannot be stored in text; the rest of the message is kept as it was.
    [tableId, error.replaceAll("\u0000", "\uFFFD") || "refresh failed"],
  );
}

// on_commit: an input's current seq is past the one last read (an input that is gone counts as changed,
// so the refresh runs and records why it cannot read it). schedule: the interval has passed, or never ran.
const DUE_SQL = `
SELECT t.name,
       CASE WHEN t.refresh_mode = 'schedule' THEN 'schedule' ELSE 'input_changed' END AS reason
FROM lake_tables t
WHERE t.zone = 'analytics' AND t.definition IS NOT NULL
  AND (t.last_refresh_error IS NULL OR t.last_refresh_at IS NULL
       OR t.last_refresh_at <= ($1::timestamptz AT TIME ZONE 'UTC') - make_interval(secs => $2::float8 / 1000))
  AND CASE WHEN t.refresh_mode = 'schedule' THEN
        t.last_refresh_at IS NULL
        OR t.last_refresh_at <= ($1::timestamptz AT TIME ZONE 'UTC') - make_interval(mins => COALESCE(t.schedule_minutes, 60))
      ELSE EXISTS (
        SELECT 1 FROM jsonb_each_text(t.inputs) i
        LEFT JOIN lake_tables it ON it.name = i.key
        WHERE it.id IS NULL OR it.current_seq > i.value::int
      )
      END
ORDER BY t.last_refresh_at NULLS FIRST, t.name`;

export async function dueAnalyticsTables(
  q: Queryable,
  opts: { now: Date; retryFailedAfterMs: number },
): Promise<DueAnalyticsTable[]> {
  const res = await q.query<{ name: string; reason: DueAnalyticsTable["reason"] }>(DUE_SQL, [
    opts.now.toISOString(),
    Math.max(0, opts.retryFailedAfterMs),
  ]);
  return res.rows.map((r) => ({ name: r.name, reason: r.reason }));
}

export async function changedPartitions(
  q: Queryable,
  tableId: string,
  afterSeq: number,
  atSeq: number,
): Promise<string[]> {
  const res = await q.query<{ partition: string }>(
    `SELECT DISTINCT partition FROM data_files
     WHERE table_id = $1
       AND ((added_seq > $2 AND added_seq <= $3) OR (removed_seq > $2 AND removed_seq <= $3))
     ORDER BY partition`,
    [tableId, afterSeq, atSeq],
  );
  return res.rows.map((r) => r.partition);
}

export async function dropAnalyticsTable(
  tx: Queryable,
  name: string,
): Promise<DroppedAnalyticsTable | undefined> {
  const found = await tx.query<{ id: string }>(
    "SELECT id FROM lake_tables WHERE name = $1 AND zone = 'analytics' FOR UPDATE",
    [name],
  );
  const id = found.rows[0]?.id;
  if (!id) return undefined;
  const readers = await tx.query<{ name: string }>(
    "SELECT name FROM lake_tables WHERE zone = 'analytics' AND (inputs -> $1) IS NOT NULL AND name <> $1 ORDER BY name",
    [name],
  );
  if (readers.rows.length > 0) {
    const list = readers.rows.map((r) => r.name).join(", ");
    throw new InletError(
      "CONFLICT",
      `${name} cannot be dropped while ${list} read${readers.rows.length > 1 ? "" : "s"} it`,
      {
        field: "name",
        readers: readers.rows.map((r) => r.name),
      },
    );
  }
  const files = await tx.query<{ path: string }>("SELECT path FROM data_files WHERE table_id = $1", [id]);
  await tx.query("DELETE FROM lake_tables WHERE id = $1", [id]);
  return { name, paths: files.rows.map((r) => r.path) };
}
