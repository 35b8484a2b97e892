// The QueryEngine port: SQL over catalog tables bound at one committed snapshot.
import type { Readable } from "node:stream";
import type { TableAccess } from "./access-policy";
import type { ColumnSpec, FileColumnStats } from "./catalog";

/** A data file of the bound snapshot, named by its object-store key (the adapter resolves it). */
export interface BoundFile {
  key: string;
  bytes: number;
  rowCount: number;
  /** The file's footer statistics as the catalog recorded them; an adapter reads the footer without them. */
  columnStats?: FileColumnStats | undefined;
}

export interface TableBinding {
  /** Name as it appears in SQL, e.g. curated.orders. */
  name: string;
  /** The catalog table and the committed snapshot read: a query never sees half a batch. */
  tableId: string;
  snapshotSeq: number;
  /** The snapshot's data files (may be empty). */
  files: BoundFile[];
  /** The table's columns, exposed as they are when there are no files yet. */
  columns?: ColumnSpec[];
  /**
   * What the reader may see of the table: the engine reads it only through a secure relation built
   * from this (denied columns absent, masked and hashed ones transformed, the row filter applied).
   * Absent: nothing is restricted for this reader.
   */
  access?: TableAccess | undefined;
}

/**
 * The typed value of one `$name` parameter of the SQL: bound as a prepared-statement parameter, never
 * written into the SQL text. Dates are YYYY-MM-DD; a list is one value (use it as `col IN $name`).
 */
export type QueryParam =
  | { type: "date"; value: string }
  | { type: "number"; value: number }
  | { type: "text"; value: string }
  | { type: "list"; items: "number"; value: number[] }
  | { type: "list"; items: "text"; value: string[] };

export interface QueryRequest {
  sql: string;
  tables: TableBinding[];
  /** Values of the SQL's `$name` parameters, by name (lower case). */
  params?: Record<string, QueryParam>;
  /** Maximum rows returned to the caller; the engine may stop early. */
  maxRows?: number;
  /** Rows stop (truncated) once they hold about this many bytes as JSON, so a wide result stays bounded. */
  maxResultBytes?: number;
  /**
   * The most bytes the query may scan: the caller's per-query budget. An engine that can stop a running
   * query at a byte count does, and fails it with BUDGET_EXCEEDED (Athena: the workgroup's
   * BytesScannedCutoffPerQuery, see adapters/athena-cutoff-workgroups.ts). DuckDB knows what it read
   * only after running and ignores this; the caller checks the measured bytes.
   */
  maxBytesScanned?: number;
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

/** A whole result as CSV, written where the engine keeps results and streamed from there. */
export interface CsvExport {
  rows: number;
  bytesScanned: number;
  durationMs: number;
  /** The CSV with a header line, read once; whatever holds it is released when it ends or is destroyed. */
  body: Readable;
}

/** A whole result written as one ZSTD Parquet file (an analytics table's refresh). */
export interface ParquetExport {
  rows: number;
  bytesScanned: number;
  durationMs: number;
}

export interface QueryEngine {
  readonly kind: string;
  query(req: QueryRequest): Promise<QueryResult>;
  /** Runs the query and streams its whole result as CSV: it is never held in memory. */
  exportCsv(req: Omit<QueryRequest, "maxRows" | "maxResultBytes">): Promise<CsvExport>;
  /**
   * Runs the query and writes its whole result, with its column types, as one ZSTD Parquet file at
   * `file` (a local path the caller chose); absent on engines that cannot write local files.
   */
  exportParquet?(req: Omit<QueryRequest, "maxRows" | "maxResultBytes">, file: string): Promise<ParquetExport>;
  close(): Promise<void>;
}
