// The QueryEngine port: SQL over catalog tables bound at one committed snapshot.
import type { ColumnSpec } from "./catalog";

/** A data file of the bound snapshot, named by its object-store key (the adapter resolves it). */
export interface BoundFile {
  key: string;
  bytes: number;
  rowCount: number;
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
