// Source rows as the data plane reads them: identity, status, event-id and time fields, and the active
// schema version's JSON Schema (compiled by schema/, not here).
import type { SourceRecord, SourceStatus } from "../ports/catalog";
import { NOW_UTC, type Queryable } from "./transaction";

interface SourceRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  kind: string;
  status: SourceStatus;
  created_ms: number;
  version: number | null;
  id_field: string;
  time_field: string;
  active_schema_version_id: string | null;
  json_schema: unknown;
}

const SELECT_SQL = `
SELECT s.id, s.slug, s.name, s.description, s.kind::text AS kind, s.status::text AS status,
       (extract(epoch FROM s.created_at) * 1000)::float8 AS created_ms, s.id_field, s.time_field,
       s.active_schema_version_id, v.version,
       CASE WHEN s.active_schema_version_id IS NULL THEN NULL ELSE v.json_schema END AS json_schema
FROM sources s LEFT JOIN schema_versions v ON v.id = s.active_schema_version_id`;

function toRecord(row: SourceRow): SourceRecord {
  const versionId = row.active_schema_version_id ?? undefined;
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    kind: row.kind,
    status: row.status,
    createdAt: new Date(row.created_ms),
    idField: row.id_field,
    timeField: row.time_field,
    schemaVersionId: versionId,
    schemaVersion: versionId === undefined ? undefined : (row.version ?? undefined),
    jsonSchema: versionId === undefined ? undefined : row.json_schema,
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

export async function setSourceStatus(
  q: Queryable,
  id: string,
  status: SourceStatus,
): Promise<SourceStatus | undefined> {
  // Already so: nothing is written (updated_at keeps the last real change).
  const res = await q.query<{ before: SourceStatus }>(
    `WITH old AS (SELECT id, status::text AS before FROM sources WHERE id = $1 FOR UPDATE),
     changed AS (
       UPDATE sources s SET status = $2::"SourceStatus", updated_at = ${NOW_UTC}
       FROM old WHERE s.id = old.id AND old.before <> $2
       RETURNING s.id
     )
     SELECT before FROM old`,
    [id, status],
  );
  return res.rows[0]?.before;
}
