// A source with its active schema made usable: the compiled validator and the curated table's column
// layout, cached per schema version.
import { InletError } from "../errors";
import type { Catalog, SourceRecord } from "../ports/catalog";
import { type ColumnSpec, curatedColumns, payloadLayout } from "./schema-columns";
import { readableSchemaOrder } from "./schema-order";
import { type EventValidator, validatorFor } from "./schema-validator";

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

export interface LoadedSource extends SourceRecord {
  schema: SchemaLayout;
}

const layouts = new Map<string, SchemaLayout>();

const NO_SCHEMA = "\0none";

export function schemaLayoutFor(
  versionId: string | undefined,
  jsonSchema: unknown,
  /** The columns' order the layout follows (part of the cache key: the table may be created later). */
  columnOrder: readonly string[] = [],
): SchemaLayout {
  const key = `${versionId ?? NO_SCHEMA}\0${columnOrder.join("\0")}`;
  let layout = layouts.get(key);
  if (!layout) {
    // The catalog's jsonb gives the schema's properties back sorted by length: laid out in the table's
    // order, files hold their columns in the order the source was registered with.
    const schema =
      versionId === undefined
        ? undefined
        : columnOrder.length > 0
          ? readableSchemaOrder(jsonSchema, columnOrder)
          : jsonSchema;
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

/** The source with its schema's layout, its payload columns in its curated table's order. */
export function withSchema(source: SourceRecord): LoadedSource {
  return {
    ...source,
    schema: schemaLayoutFor(source.schemaVersionId, source.jsonSchema, source.columnOrder ?? []),
  };
}

/** The source and its active schema, or NOT_FOUND. The row is read each time; the schema work is cached. */
export async function loadSource(catalog: Catalog, sourceId: string): Promise<LoadedSource> {
  const source = await catalog.getSource(sourceId);
  if (!source) throw new InletError("NOT_FOUND", `source ${sourceId} does not exist`, { sourceId });
  return withSchema(source);
}
