// Source rows as the data plane reads them: identity, status, event-id and time fields, and the active
// schema version's JSON Schema (compiled by schema/, not here).
import type { SourceRecord } from "../ports/catalog";
import type { Queryable } from "./transaction";

interface SourceRow {
  id: string;
  slug: string;
  status: string;
  id_field: string;
  time_field: string;
  active_schema_version_id: string | null;
  json_schema: unknown;
}

const SELECT_SQL = `
SELECT s.id, s.slug, s.status, s.id_field, s.time_field, s.active_schema_version_id,
       CASE WHEN s.active_schema_version_id IS NULL THEN NULL ELSE v.json_schema END AS json_schema
FROM sources s LEFT JOIN schema_versions v ON v.id = s.active_schema_version_id`;

function toRecord(row: SourceRow): SourceRecord {
  const versionId = row.active_schema_version_id ?? undefined;
  return {
    id: row.id,
    slug: row.slug,
    status: row.status,
    idField: row.id_field,
    timeField: row.time_field,
    schemaVersionId: versionId,
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
