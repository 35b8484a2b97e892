// The query history and budget ports: every run of every read path is recorded (who, when, what it
// read and scanned, what it cost, how it ended), and the per-role byte budgets checked before a run.

/** Which read path ran a query. */
export const QUERY_RUN_PATHS = [
  "sql",
  "saved",
  "csv",
  "preview",
  "latest_events",
  "event",
  "dead_letters",
  "refresh",
] as const;
export type QueryRunPath = (typeof QUERY_RUN_PATHS)[number];

export const QUERY_RUN_STATUSES = ["running", "succeeded", "failed", "cancelled"] as const;
export type QueryRunStatus = (typeof QUERY_RUN_STATUSES)[number];

/** A table a run read, as the SQL named it, at the snapshot it was bound to. */
export interface QueryRunTable {
  name: string;
  snapshotSeq: number;
  /** The columns the run read of the table, as its estimate planned them (when it was estimated). */
  columns?: string[] | undefined;
  /**
   * The access rules the run read the table under, when any restricted it for the reader: each
   * column's rule that is not "allow" (deny, mask, hash, per role when roles differ) and the row filter.
   */
  policy?: { columns: Record<string, string>; rowFilter: string | null } | undefined;
}

/** What is known when a run starts. */
export interface QueryRunStart {
  /** When the caller chose the run's id (so it can cancel before the run returns); else the recorder picks one. */
  id?: string | undefined;
  userId: string;
  path: QueryRunPath;
  savedQueryId?: string | undefined;
  /** The SQL as the person wrote it ({{name}} placeholders included), or what a non-SQL read read. */
  sql: string;
  /** The values bound to its parameters, by name. */
  parameters: Record<string, unknown>;
  tables: QueryRunTable[];
  /** The QueryEngine's kind (duckdb, athena), or "catalog" for reads that need no engine. */
  engine: string;
  estimatedBytes?: number | undefined;
  estimatedCostUsd?: number | undefined;
  startedAt: Date;
}

/** How a run ended. */
export interface QueryRunOutcome {
  status: Exclude<QueryRunStatus, "running">;
  rowCount?: number | undefined;
  /** Bytes the engine reports it scanned (DuckDB: Parquet bytes read; Athena: DataScannedInBytes). */
  bytesScanned?: number | undefined;
  costUsd?: number | undefined;
  durationMs: number;
  /** The message the person saw, for a failed or cancelled run. */
  error?: string | undefined;
  /** The estimate, when it was made while the run ran (no budget waited for it). */
  estimatedBytes?: number | undefined;
  estimatedCostUsd?: number | undefined;
  /** The tables as known once the run ended (with the columns it read), replacing those it started with. */
  tables?: QueryRunTable[] | undefined;
  finishedAt: Date;
}

export interface QueryRunRecorder {
  /** Records a run as running and returns its id. */
  start(run: QueryRunStart): Promise<string>;
  /** Records how the run ended. */
  finish(id: string, outcome: QueryRunOutcome): Promise<void>;
  /** The bytes this person's runs scanned since `since` (the daily budget's use so far). */
  bytesScannedSince(userId: string, since: Date): Promise<number>;
}

/** A role's bytes-scanned limits; null is no limit. */
export interface RoleBudget {
  role: string;
  perQueryBytes: number | null;
  perDayBytes: number | null;
}

export interface QueryBudgetSource {
  /** The budgets set for any of these roles (a role without one is absent: unlimited). */
  budgetsFor(roles: readonly string[]): Promise<RoleBudget[]>;
}
