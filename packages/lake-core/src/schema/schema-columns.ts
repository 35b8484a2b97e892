// Maps a source's JSON Schema to the curated table's DuckDB columns (payload, meta, partition).

import type { ColumnSpec } from "../ports/catalog";

export type { ColumnSpec };

/** Columns the pipeline adds to every curated row; payload properties with these names are dropped. */
export const META_COLUMNS: readonly ColumnSpec[] = [
  { name: "_event_id", type: "VARCHAR" },
  { name: "_event_time", type: "TIMESTAMPTZ" },
  { name: "_ingested_at", type: "TIMESTAMPTZ" },
  { name: "_batch_id", type: "VARCHAR" },
];

export const PARTITION_COLUMN: ColumnSpec = { name: "dt", type: "DATE" };

/** Used when a source has no schema: the whole payload is kept as one JSON column. */
export const RAW_PAYLOAD_COLUMN: ColumnSpec = { name: "_payload", type: "JSON" };

// DuckDB identifiers are case-insensitive: `DT` or `_Event_Id` would collide with these.
const RESERVED = new Set(
  [...META_COLUMNS.map((c) => c.name), PARTITION_COLUMN.name, RAW_PAYLOAD_COLUMN.name].map((n) =>
    n.toLowerCase(),
  ),
);

export function isReservedColumn(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function declaredTypes(prop: JsonObject): string[] {
  const t = prop.type;
  if (typeof t === "string") return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === "string");
  // anyOf/oneOf of simple branches (common for nullable fields written as oneOf [{type}, {type: null}]).
  const branches = Array.isArray(prop.anyOf)
    ? prop.anyOf
    : Array.isArray(prop.oneOf)
      ? prop.oneOf
      : undefined;
  if (branches) return branches.filter(isObject).flatMap(declaredTypes);
  if ("const" in prop || Array.isArray(prop.enum)) {
    const values = "const" in prop ? [prop.const] : (prop.enum as unknown[]);
    const kinds = new Set(values.filter((v) => v !== null).map((v) => typeof v));
    if (kinds.size === 1) {
      const k = [...kinds][0];
      if (k === "string") return ["string"];
      if (k === "boolean") return ["boolean"];
      if (k === "number")
        return values.every((v) => v === null || Number.isInteger(v)) ? ["integer"] : ["number"];
    }
  }
  return [];
}

function hasDateTimeFormat(prop: JsonObject): boolean {
  if (prop.format === "date-time") return true;
  const branches = Array.isArray(prop.anyOf) ? prop.anyOf : Array.isArray(prop.oneOf) ? prop.oneOf : [];
  return branches.some((b) => isObject(b) && b.format === "date-time");
}

/** DuckDB type of one JSON Schema property. */
export function duckDbTypeOf(prop: unknown): string {
  if (!isObject(prop)) return "JSON";
  const types = [...new Set(declaredTypes(prop).filter((t) => t !== "null"))];
  if (types.length === 1) {
    switch (types[0]) {
      case "string":
        return hasDateTimeFormat(prop) ? "TIMESTAMPTZ" : "VARCHAR";
      case "integer":
        return "BIGINT";
      case "number":
        return "DOUBLE";
      case "boolean":
        return "BOOLEAN";
      default:
        return "JSON";
    }
  }
  // integer|number widens to DOUBLE; anything else mixed stays JSON so no value is lost.
  if (types.length === 2 && types.includes("integer") && types.includes("number")) return "DOUBLE";
  return "JSON";
}

/**
 * The payload columns for a schema's top-level properties, in declaration order. Names that differ
 * only in case from an earlier one are left out (DuckDB would refuse the duplicate column); their
 * values stay in the raw zone.
 */
export function payloadColumns(jsonSchema: unknown): ColumnSpec[] {
  if (!isObject(jsonSchema) || !isObject(jsonSchema.properties)) return [];
  const out: ColumnSpec[] = [];
  const taken = new Set<string>();
  for (const [name, prop] of Object.entries(jsonSchema.properties)) {
    const folded = name.toLowerCase();
    if (isReservedColumn(name) || taken.has(folded)) continue;
    taken.add(folded);
    out.push({ name, type: duckDbTypeOf(prop) });
  }
  return out;
}

/**
 * The payload part of a curated row: the schema's top-level properties, or the whole payload as one
 * JSON column when the source has no schema or the schema declares no properties (nothing is lost).
 */
export function payloadLayout(jsonSchema: unknown | undefined): { raw: boolean; columns: ColumnSpec[] } {
  const columns = jsonSchema === undefined ? [] : payloadColumns(jsonSchema);
  return columns.length === 0 ? { raw: true, columns: [RAW_PAYLOAD_COLUMN] } : { raw: false, columns };
}

/** All columns of a curated table: payload columns, then meta columns, then the partition column. */
export function curatedColumns(jsonSchema: unknown | undefined): ColumnSpec[] {
  return [...payloadLayout(jsonSchema).columns, ...META_COLUMNS, PARTITION_COLUMN];
}

/**
 * The columns of a table after a schema change: its payload columns where they stand (with the new
 * version's type when it declares them; those only old files hold stay readable), then the payload
 * columns the version adds, then the meta and partition columns. A column keeps its place: the order
 * a source was registered with stays (a stored schema's properties come back reordered, jsonb sorting
 * keys), and an added column comes last, as Iceberg appends it.
 */
export function evolveColumns(next: ColumnSpec[]): (existing: ColumnSpec[]) => ColumnSpec[] {
  return (existing) => {
    const nextByName = new Map(next.map((c) => [c.name, c]));
    const existingPayload = existing.filter((c) => !isReservedColumn(c.name));
    const had = new Set(existingPayload.map((c) => c.name));
    const kept = existingPayload.map((c) => nextByName.get(c.name) ?? c);
    const added = next.filter((c) => !isReservedColumn(c.name) && !had.has(c.name));
    return [...kept, ...added, ...next.filter((c) => isReservedColumn(c.name))];
  };
}
