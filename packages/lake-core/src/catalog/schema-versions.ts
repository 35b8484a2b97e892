// A source's schema versions: listing them, registering the next one (active at once, the curated
// table's columns evolved with it, no data file rewritten), the source's compatibility mode, and what
// reads a table's columns (analytics tables over it, the policies set on it).
import { randomUUID } from "node:crypto";
import { InletError } from "../errors";
import type {
  ColumnSpec,
  NewSchemaVersion,
  SchemaCompatibility,
  SchemaVersionRecord,
  TableDependents,
} from "../ports/catalog";
import { setSourceSetting } from "./source-catalog";
import { curatedTableName } from "./table-catalog";
import { NOW_UTC, type Queryable } from "./transaction";

interface VersionRow extends Omit<SchemaVersionRecord, "createdById"> {
  createdById: string | null;
}

const SELECT_SQL = `
SELECT v.id, v.source_id AS "sourceId", v.version, v.json_schema AS "jsonSchema",
       v.compatibility::text AS compatibility, v.created_by_id AS "createdById",
       v.created_at AT TIME ZONE 'UTC' AS "createdAt",
       (s.active_schema_version_id IS NOT DISTINCT FROM v.id) AS active
FROM schema_versions v JOIN sources s ON s.id = v.source_id`;

function toRecord(row: VersionRow): SchemaVersionRecord {
  return { ...row, createdById: row.createdById ?? undefined };
}

export async function listSchemaVersions(q: Queryable, sourceId: string): Promise<SchemaVersionRecord[]> {
  const res = await q.query<VersionRow>(`${SELECT_SQL} WHERE v.source_id = $1 ORDER BY v.version`, [
    sourceId,
  ]);
  return res.rows.map(toRecord);
}

export async function getSchemaVersion(
  q: Queryable,
  sourceId: string,
  version: number,
): Promise<SchemaVersionRecord | undefined> {
  const res = await q.query<VersionRow>(`${SELECT_SQL} WHERE v.source_id = $1 AND v.version = $2`, [
    sourceId,
    version,
  ]);
  return res.rows[0] ? toRecord(res.rows[0]) : undefined;
}

/** Refuses a registration the caller checked against a state the source has since left. */
function conflict(message: string): InletError {
  return new InletError("CONFLICT", `${message}; check the schema again`, { field: "schema" });
}

/** Locks the curated table row and rewrites its column list through `evolve` (the files stay as they are). */
async function evolveTableColumns(
  tx: Queryable,
  slug: string,
  evolve: (existing: ColumnSpec[]) => ColumnSpec[],
): Promise<void> {
  const res = await tx.query<{ id: string; columns: ColumnSpec[] | null }>(
    "SELECT id, columns FROM lake_tables WHERE name = $1 FOR UPDATE",
    [curatedTableName(slug)],
  );
  const row = res.rows[0];
  // No table yet: the worker creates it with these columns on its first commit.
  if (!row) return;
  const evolved = evolve(row.columns ?? []);
  if (JSON.stringify(evolved) === JSON.stringify(row.columns)) return;
  await tx.query(`UPDATE lake_tables SET columns = $2::jsonb, updated_at = ${NOW_UTC} WHERE id = $1`, [
    row.id,
    JSON.stringify(evolved),
  ]);
}

export async function registerSchemaVersion(
  tx: Queryable,
  next: NewSchemaVersion,
): Promise<SchemaVersionRecord> {
  // The source row is the registry's lock: two registrations for one source take turns.
  const locked = await tx.query<{ slug: string; compatibility: SchemaCompatibility }>(
    "SELECT slug, compatibility::text AS compatibility FROM sources WHERE id = $1 FOR UPDATE",
    [next.sourceId],
  );
  const source = locked.rows[0];
  if (!source) throw new InletError("NOT_FOUND", `No source with id '${next.sourceId}'`);
  const latest = await tx.query<{ version: number | null }>(
    "SELECT max(version) AS version FROM schema_versions WHERE source_id = $1",
    [next.sourceId],
  );
  const current = latest.rows[0]?.version ?? 0;
  if (current !== next.checkedAgainst) {
    throw conflict(
      `Version ${current} of '${source.slug}' was registered after the check against version ${next.checkedAgainst}`,
    );
  }
  if (source.compatibility !== next.compatibility) {
    throw conflict(
      `The compatibility mode of '${source.slug}' changed to ${source.compatibility.toUpperCase()} after the check under ${next.compatibility.toUpperCase()}`,
    );
  }
  const id = randomUUID();
  const version = current + 1;
  await tx.query(
    `INSERT INTO schema_versions (id, source_id, version, json_schema, compatibility, created_by_id, created_at)
     VALUES ($1, $2, $3, $4::jsonb, $5::"Compatibility", $6, ${NOW_UTC})`,
    [
      id,
      next.sourceId,
      version,
      JSON.stringify(next.jsonSchema),
      next.compatibility,
      next.createdById ?? null,
    ],
  );
  await tx.query(`UPDATE sources SET active_schema_version_id = $2, updated_at = ${NOW_UTC} WHERE id = $1`, [
    next.sourceId,
    id,
  ]);
  await evolveTableColumns(tx, source.slug, next.evolveColumns);
  const registered = await getSchemaVersion(tx, next.sourceId, version);
  if (!registered) throw new Error(`schema version ${version} vanished after insert`);
  return registered;
}

export function setSourceCompatibility(
  tx: Queryable,
  id: string,
  mode: SchemaCompatibility,
): Promise<SchemaCompatibility | undefined> {
  return setSourceSetting(tx, id, { column: "compatibility", enumType: "Compatibility" }, mode);
}

export async function tableDependents(q: Queryable, tableName: string): Promise<TableDependents> {
  // Analytics definitions are matched loosely on the table's own name; quoting and case vary in SQL.
  const bare = tableName.split(".").at(-1) ?? tableName;
  const [analytics, columns, rows] = await Promise.all([
    q.query<{ name: string; definition: string }>(
      `SELECT name, definition FROM lake_tables
       WHERE zone = 'analytics' AND definition IS NOT NULL AND strpos(lower(definition), lower($1)) > 0
       ORDER BY name`,
      [bare],
    ),
    q.query<{ role: string; column: string; action: string }>(
      `SELECT p.role::text AS role, p."column" AS column, p.action::text AS action
       FROM column_policies p JOIN lake_tables t ON t.id = p.table_id
       WHERE t.name = $1 ORDER BY p.role, p."column"`,
      [tableName],
    ),
    q.query<{ role: string; predicate: string }>(
      `SELECT f.role::text AS role, f.predicate
       FROM row_filter_policies f JOIN lake_tables t ON t.id = f.table_id
       WHERE t.name = $1 ORDER BY f.role`,
      [tableName],
    ),
  ]);
  return { analyticsTables: analytics.rows, columnPolicies: columns.rows, rowFilters: rows.rows };
}
