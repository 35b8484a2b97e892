// The QueryEngine port: SQL over the committed data files of catalog tables.

export interface TableBinding {
  /** Name as it appears in SQL, e.g. curated.orders. */
  name: string;
  /** Local Parquet file paths of the table's current snapshot (may be empty). */
  files: string[];
  /** Columns to expose when there are no files yet: [{ name, type }] in DuckDB type names. */
  columns?: { name: string; type: string }[];
}

export interface QueryRequest {
  sql: string;
  tables: TableBinding[];
  /** Maximum rows returned to the caller; the engine may stop early. */
  maxRows?: number;
  signal?: AbortSignal;
}

export interface QueryColumn {
  name: string;
  type: string;
}

export interface QueryResult {
  columns: QueryColumn[];
  /** JSON-safe rows: BIGINT and DECIMAL as strings, timestamps as ISO strings. */
  rows: Record<string, unknown>[];
  truncated: boolean;
  bytesScanned: number;
  durationMs: number;
}

export interface QueryEngine {
  readonly kind: string;
  query(req: QueryRequest): Promise<QueryResult>;
  close(): Promise<void>;
}
