// Source rows as the data plane reads them: identity, status, event-id and time fields, and the active
// schema version's JSON Schema (compiled by schema/, not here).
import { randomUUID } from "node:crypto";
import { InletError } from "../errors";
import type { NewSource, SourceRecord, SourceStatus } from "../ports/catalog";
import { curatedTableName } from "./table-catalog";
import { NOW_UTC, type Queryable } from "./transaction";

/** A source row as selected: the record's fields, with NULL where a schemaless source has no version. */
interface SourceRow
  extends Omit<
    SourceRecord,
    | "schemaVersionId"
    | "schemaVersion"
    | "jsonSchema"
    | "partitionProperty"
    | "rawArchiveDays"
    | "columnOrder"
  > {
  partitionProperty: string | null;
  rawArchiveDays: number | null;
  schemaVersionId: string | null;
  schemaVersion: number | null;
  jsonSchema: unknown;
  columnOrder: string[] | null;
}

// Zone-less UTC timestamps become timestamptz, which node-pg reads right.
const SELECT_SQL = `
SELECT s.id, s.slug, s.name, s.description, s.kind::text AS kind, s.status::text AS status,
       s.created_at AT TIME ZONE 'UTC' AS "createdAt", s.id_field AS "idField", s.time_field AS "timeField",
       s.partition_property AS "partitionProperty", s.retention_days AS "retentionDays",
       s.raw_retention_days AS "rawRetentionDays", s.raw_archive_days AS "rawArchiveDays",
       s.dedupe_window_hours AS "dedupeWindowHours",
       s.compatibility::text AS compatibility,
       s.active_schema_version_id AS "schemaVersionId", v.version AS "schemaVersion", v.json_schema AS "jsonSchema",
       (SELECT array_agg(c.col->>'name' ORDER BY c.n) FROM lake_tables t
          CROSS JOIN LATERAL jsonb_array_elements(t.columns) WITH ORDINALITY AS c(col, n)
         WHERE t.source_id = s.id AND t.zone = 'curated' AND jsonb_typeof(t.columns) = 'array') AS "columnOrder"
FROM sources s LEFT JOIN schema_versions v ON v.id = s.active_schema_version_id`;

function toRecord(row: SourceRow): SourceRecord {
  const versioned = row.schemaVersionId !== null;
  return {
    ...row,
    partitionProperty: row.partitionProperty ?? undefined,
    rawArchiveDays: row.rawArchiveDays ?? undefined,
    schemaVersionId: row.schemaVersionId ?? undefined,
    schemaVersion: versioned ? (row.schemaVersion ?? undefined) : undefined,
    jsonSchema: versioned ? row.jsonSchema : undefined,
    columnOrder: row.columnOrder ?? [],
  };
}

export async function getSource(q: Queryable, id: string): Promise<SourceRecord | undefined> {
  const res = await q.query<SourceRow>(`${SELECT_SQL} WHERE s.id = $1`, [id]);
  return res.rows[0] ? toRecord(res.rows[0]) : undefined;
}

export async function findSourceBySlug(q: Queryable, slug: string): Promise<SourceRecord | undefined> {
  const res = await q.query<SourceRow>(`${SELECT_SQL} WHERE s.slug = $1`, [slug]);
  return res.rows[0] ? toRecord(res.rows[0]) : undefined;
}

export async function existingSourceIds(q: Queryable, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const res = await q.query<{ id: string }>("SELECT id FROM sources WHERE id = ANY($1::text[])", [ids]);
  return new Set(res.rows.map((r) => r.id));
}

export async function listSources(q: Queryable): Promise<SourceRecord[]> {
  const res = await q.query<SourceRow>(`${SELECT_SQL} ORDER BY s.name, s.slug`);
  return res.rows.map(toRecord);
}

/**
 * Sets one of a source's enum settings (its status, its compatibility mode) with the row locked;
 * returns the value before, undefined when there is no such source. Already so: nothing is written
 * (updated_at keeps the last real change).
 */
export async function setSourceSetting<T extends string>(
  q: Queryable,
  id: string,
  setting: { column: "status" | "compatibility"; enumType: "SourceStatus" | "Compatibility" },
  value: T,
): Promise<T | undefined> {
  const { column, enumType } = setting;
  const res = await q.query<{ before: T }>(
    `WITH old AS (SELECT id, ${column}::text AS before FROM sources WHERE id = $1 FOR UPDATE),
     changed AS (
       UPDATE sources s SET ${column} = $2::"${enumType}", updated_at = ${NOW_UTC}
       FROM old WHERE s.id = old.id AND old.before <> $2
       RETURNING s.id
     )
     SELECT before FROM old`,
    [id, value],
  );
  return res.rows[0]?.before;
}

export function setSourceStatus(
  q: Queryable,
  id: string,
  status: SourceStatus,
): Promise<SourceStatus | undefined> {
  return setSourceSetting(q, id, { column: "status", enumType: "SourceStatus" }, status);
}

export async function countSources(q: Queryable): Promise<number> {
  const res = await q.query<{ n: number }>("SELECT count(*)::float8 AS n FROM sources");
  return res.rows[0]?.n ?? 0;
}

/** Whether an error is PostgreSQL's unique violation on the given constraint. */
function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  return e.code === "23505" && (e.constraint === constraint || String(e.message).includes(constraint));
}

export async function createSource(q: Queryable, source: NewSource): Promise<SourceRecord> {
  const id = randomUUID();
  try {
    await q.query(
      `INSERT INTO sources (id, slug, name, description, kind, id_field, time_field, retention_days, created_by_id,
                            partition_property, raw_retention_days, raw_archive_days, compatibility,
                            created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::"SourceKind", $6, $7, $8, $9, $10, $11, $12, $13::"Compatibility",
               ${NOW_UTC}, ${NOW_UTC})`,
      [
        id,
        source.slug,
        source.name,
        source.description,
        source.kind,
        source.idField,
        source.timeField,
        source.retentionDays,
        source.createdById ?? null,
        source.partitionProperty ?? null,
        source.rawRetentionDays ?? 30,
        source.rawArchiveDays ?? null,
        source.compatibility ?? "backward",
      ],
    );
  } catch (err) {
    if (isUniqueViolation(err, "sources_slug_key")) {
      throw new InletError("CONFLICT", `A source with slug '${source.slug}' exists already`, {
        field: "slug",
      });
    }
    throw err;
  }
  if (source.jsonSchema !== undefined) {
    const versionId = randomUUID();
    await q.query(
      `INSERT INTO schema_versions (id, source_id, version, json_schema, compatibility, created_by_id, created_at)
       VALUES ($1, $2, 1, $3::jsonb, $4::"Compatibility", $5, ${NOW_UTC})`,
      [
        versionId,
        id,
        JSON.stringify(source.jsonSchema),
        source.compatibility ?? "backward",
        source.createdById ?? null,
      ],
    );
    await q.query("UPDATE sources SET active_schema_version_id = $2 WHERE id = $1", [id, versionId]);
  }
  await q
    .query(
      `INSERT INTO lake_tables (id, name, zone, source_id, partition_by, columns, current_seq, created_at, updated_at)
     VALUES ($1, $2, 'curated', $3, $5::text[], $4::jsonb, 0, ${NOW_UTC}, ${NOW_UTC})`,
      [
        randomUUID(),
        curatedTableName(source.slug),
        id,
        JSON.stringify(source.columns),
        source.partitionProperty ? ["dt", source.partitionProperty] : ["dt"],
      ],
    )
    .catch((err: unknown) => {
      if (isUniqueViolation(err, "lake_tables_name_key")) {
        throw new InletError(
          "CONFLICT",
          `The table ${curatedTableName(source.slug)} is kept from a deleted source with slug '${source.slug}'; choose another slug`,
          { field: "slug" },
        );
      }
      throw err;
    });
  const created = await getSource(q, id);
  if (!created) throw new Error(`source ${source.slug} vanished after insert`);
  return created;
}
