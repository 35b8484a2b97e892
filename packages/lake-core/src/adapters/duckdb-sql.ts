// DuckDB SQL text: the one place literals and identifiers are quoted, and how every connection that
// reads or writes lake data is prepared.
import type { DuckDBConnection } from "@duckdb/node-api";

/** A string literal: 'it''s'. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A quoted identifier: "my ""col""". */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** A list literal of strings: ['a', 'b']. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(", ")}]`;
}

/** Every connection writing or reading curated data computes dates in UTC. */
export async function prepareConnection(conn: DuckDBConnection): Promise<void> {
  await conn.run("SET TimeZone = 'UTC'");
}

/** What a step that works in DuckDB is given: a connection of its own and scratch space. */
export interface DuckDbWork {
  /** Used by one call at a time, prepared with prepareConnection(). */
  duck: DuckDBConnection;
  /** Scratch directory for NDJSON and Parquet files before they go to the store. */
  tmpDir: string;
}
