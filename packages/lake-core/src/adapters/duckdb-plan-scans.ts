// The scans of a DuckDB query plan (json_serialize_plan with optimize := true): for each table or
// Parquet read, the columns it reads and the filters DuckDB pushed into it, which decide the files,
// row groups and column chunks it fetches.
import type { DuckDBConnection } from "@duckdb/node-api";
import { errorMessage, InletError } from "../errors";
import { isJsonNode as isNode, type JsonNode } from "../json/json-tree";
import { parseDuckDbJson } from "./duckdb-json";

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** A filter DuckDB pushed into a scan, on one column (its TableFilter, as serialized). */
export interface ScanFilter {
  column: string;
  /** The column's DuckDB type id, e.g. "DATE", "TIMESTAMP WITH TIME ZONE", "VARCHAR". */
  type: string;
  filter: JsonNode;
}

export interface PlannedScan {
  /** What the scan reads: the local files of a read_parquet, or a table (schema.table, lower case). */
  files: string[];
  table: string | undefined;
  /** The columns whose values the scan fetches (projected or filtered); none for a bare count(*). */
  columns: string[];
  filters: ScanFilter[];
}

function typeId(value: unknown): string {
  if (!isNode(value)) return "";
  // JSON (and other aliased types) compare differently from their storage type: say so.
  const info = value.type_info;
  const alias = isNode(info) ? str(info.alias) : "";
  return alias ? `${str(value.id)}:${alias}` : str(value.id);
}

function scanOf(get: JsonNode): PlannedScan {
  const names = Array.isArray(get.names) ? get.names.map(str) : [];
  const types = Array.isArray(get.returned_types) ? get.returned_types.map(typeId) : [];
  const data = isNode(get.function_data) ? get.function_data : {};
  const files = Array.isArray(data.files) ? data.files.map(str) : [];
  const table =
    str(get.name) === "seq_scan" && str(data.table)
      ? `${str(data.schema)}.${str(data.table)}`.toLowerCase()
      : undefined;
  const columns: string[] = [];
  for (const c of Array.isArray(get.column_indexes) ? get.column_indexes : []) {
    // Indexes past the names are virtual columns (row id, file name, row number): not file data.
    const index = isNode(c) ? Number(c.index) : Number.NaN;
    const name = Number.isInteger(index) ? names[index] : undefined;
    if (name !== undefined && !columns.includes(name)) columns.push(name);
  }
  const filters: ScanFilter[] = [];
  const tableFilters = isNode(get.table_filters) ? get.table_filters.filters : undefined;
  for (const entry of Array.isArray(tableFilters) ? tableFilters : []) {
    if (!isNode(entry) || !isNode(entry.value)) continue;
    const key = Number(entry.key);
    const column = names[key];
    if (column === undefined) continue;
    filters.push({ column, type: types[key] ?? "", filter: entry.value });
    if (!columns.includes(column)) columns.push(column);
  }
  return { files, table, columns, filters };
}

/** Every LOGICAL_GET of a serialized plan, as a scan. */
export function scansOfPlan(doc: unknown): PlannedScan[] {
  const scans: PlannedScan[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (isNode(value)) {
      if (value.type === "LOGICAL_GET") scans.push(scanOf(value));
      for (const child of Object.values(value)) walk(child);
    }
  };
  walk(isNode(doc) ? doc.plans : undefined);
  return scans;
}

const USER_ERRORS = new Set([
  "binder",
  "catalog",
  "parser",
  "conversion",
  "invalid input",
  "out of range",
  "permission",
]);

/** Whether `err` says only that the plan could not be had (see planScans), not that the query is wrong. */
export function isPlanUnavailable(err: unknown): boolean {
  return err instanceof InletError && err.details?.planUnavailable === true;
}

/**
 * The optimized plan of one SELECT on this connection (binding reads the footers of the files its
 * views name). A binder error (unknown column, wrong type) is a BAD_REQUEST with DuckDB's message;
 * a plan DuckDB cannot give is an INTERNAL error that isPlanUnavailable recognises.
 */
export async function planScans(connection: DuckDBConnection, sql: string): Promise<PlannedScan[]> {
  let text: unknown;
  try {
    const reader = await connection.runAndReadAll(
      "SELECT json_serialize_plan($1::VARCHAR, optimize := true)",
      [sql],
    );
    text = reader.getRowsJson()[0]?.[0];
  } catch (err) {
    throw new InletError("BAD_REQUEST", errorMessage(err), { field: "sql" });
  }
  if (typeof text !== "string") throw new InletError("INTERNAL", "json_serialize_plan returned nothing");
  let doc: unknown;
  try {
    doc = parseDuckDbJson(text);
  } catch (err) {
    throw new InletError("INTERNAL", `cannot read the plan: ${errorMessage(err)}`, { planUnavailable: true });
  }
  if (isNode(doc) && doc.error === true) {
    const message = str(doc.error_message) || "the query cannot be planned";
    // The query's own mistakes (an unknown column, a type mismatch) versus what DuckDB cannot
    // serialize or plan this way (an internal error, a statement it does not support here).
    if (USER_ERRORS.has(str(doc.error_type))) throw new InletError("BAD_REQUEST", message, { field: "sql" });
    throw new InletError("INTERNAL", `cannot plan the query: ${message}`, { planUnavailable: true });
  }
  return scansOfPlan(doc);
}
