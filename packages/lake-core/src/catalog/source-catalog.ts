// Loads a source with its active schema version; the compiled validator and column layout are cached
// per schema version id.
import type { Db } from "@inlet/db";
import { InletError } from "../errors";
import { type ColumnSpec, curatedColumns, payloadLayout } from "../schema/schema-columns";
import { type EventValidator, validatorFor } from "../schema/schema-validator";

export interface SchemaLayout {
  /** Undefined when the source has no active schema: every well-formed event is accepted. */
  validate: EventValidator | undefined;
  /** True when the payload is stored whole in one JSON column (no schema properties). */
  rawPayload: boolean;
  /** Payload columns only, in order. */
  payloadColumns: ColumnSpec[];
  /**
   * Names of the payload columns of type JSON (objects, arrays, mixed types): their values reach
   * DuckDB as text, since its JSON reader would re-serialize numbers through doubles.
   */
  jsonColumns: ReadonlySet<string>;
  /** Payload + meta + partition columns of the curated table. */
  columns: ColumnSpec[];
}

export interface LoadedSource {
  id: string;
  slug: string;
  idField: string;
  timeField: string;
  schemaVersionId: string | undefined;
  schema: SchemaLayout;
}

interface SourceRow {
  id: string;
  slug: string;
  id_field: string;
  time_field: string;
  active_schema_version_id: string | null;
  json_schema: unknown;
}

const layouts = new Map<string, SchemaLayout>();

const NO_SCHEMA = "\0none";

function layoutFor(versionId: string | undefined, jsonSchema: unknown): SchemaLayout {
  const key = versionId ?? NO_SCHEMA;
  let layout = layouts.get(key);
  if (!layout) {
    const schema = versionId === undefined ? undefined : jsonSchema;
    const payload = payloadLayout(schema);
    layout = {
      validate: versionId === undefined ? undefined : validatorFor(versionId, jsonSchema),
      rawPayload: payload.raw,
      payloadColumns: payload.columns,
      jsonColumns: new Set(payload.columns.filter((c) => c.type === "JSON").map((c) => c.name)),
      columns: curatedColumns(schema),
    };
    layouts.set(key, layout);
  }
  return layout;
}

const LOAD_SQL = `
SELECT s.id, s.slug, s.id_field, s.time_field, s.active_schema_version_id,
       CASE WHEN s.active_schema_version_id IS NULL THEN NULL ELSE v.json_schema END AS json_schema
FROM sources s LEFT JOIN schema_versions v ON v.id = s.active_schema_version_id
WHERE s.id = $1`;

/** The source and its active schema, or NOT_FOUND. The row is read each time; the schema work is cached. */
export async function loadSource(db: Db, sourceId: string): Promise<LoadedSource> {
  // One round trip also returns the schema JSON; it is only compiled on a cache miss.
  const res = await db.pool.query<SourceRow>(LOAD_SQL, [sourceId]);
  const row = res.rows[0];
  if (!row) throw new InletError("NOT_FOUND", `source ${sourceId} does not exist`, { sourceId });
  const versionId = row.active_schema_version_id ?? undefined;
  return {
    id: row.id,
    slug: row.slug,
    idField: row.id_field,
    timeField: row.time_field,
    schemaVersionId: versionId,
    schema: layoutFor(versionId, row.json_schema),
  };
}

/** Looks a source up by slug (landing files name their source by slug). */
/** Whether the source is paused (its events and files are not stored until it is resumed). */
export async function isSourcePaused(db: Db, sourceId: string): Promise<boolean> {
  const res = await db.pool.query<{ status: string }>("SELECT status FROM sources WHERE id = $1", [sourceId]);
  return res.rows[0]?.status === "paused";
}

export async function findSourceIdBySlug(db: Db, slug: string): Promise<string | undefined> {
  const res = await db.pool.query<{ id: string }>("SELECT id FROM sources WHERE slug = $1", [slug]);
  return res.rows[0]?.id;
}
