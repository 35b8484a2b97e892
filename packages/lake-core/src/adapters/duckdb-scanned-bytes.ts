// Bytes scanned by a DuckDB query: the Parquet bytes of the files, row groups and columns it reads
// after partition and row-group pruning, measured from DuckDB's own optimized plan.
//
// How: DuckDB does not report which row groups it skipped (its profiler's READ_PARQUET node lists
// the filters, projections and "Total Files Read", every file, since each footer is opened, and its
// total_bytes_read counts only database-file I/O). So the query is planned with
// json_serialize_plan(sql, optimize := true): each LOGICAL_GET names its files, the columns it
// fetches (column_indexes: projections and filter columns) and the filters pushed into it
// (table_filters). Each row group is then checked against those filters with its footer min/max
// and null counts, as DuckDB's Parquet reader does before fetching it (row-group-pruning.ts), and the
// compressed sizes of the chunks left are summed. Partition pruning is row-group pruning here: the
// curated files hold their `dt` column, one value per file. Not counted: footers, and pruning DuckDB
// decides only while running (join and top-N dynamic filters), nor a LIMIT that stops a scan early,
// so the figure is what the plan reads in full (LIMITs are left out of the planned SQL); a scan DuckDB
// removes from the plan because the statistics show it empty reads nothing. A query DuckDB cannot
// give a plan for counts every byte of its bound files.
import type { DuckDBConnection } from "@duckdb/node-api";
import type { FileColumnStats } from "../ports/catalog";
import { type PlannedScan, planScans } from "./duckdb-plan-scans";
import { planningSql } from "./duckdb-planning-sql";
import { readFooterStats } from "./parquet-footer-stats";
import { fileRead } from "./row-group-pruning";

/** A file a view reads: its rows and, when the catalog recorded them, its footer statistics. */
export interface ScannedFile {
  bytes: number;
  rowCount: number;
  columnStats?: FileColumnStats | undefined;
}

/**
 * The Parquet bytes `sql` reads on a connection whose views read `files` (local path → the bound
 * file), with its `$name` parameters' values. Footers the catalog recorded no statistics for are
 * read from the files.
 */
export async function scannedParquetBytes(
  connection: DuckDBConnection,
  sql: string,
  files: ReadonlyMap<string, ScannedFile>,
  params?: Record<string, unknown>,
): Promise<number> {
  let scans: PlannedScan[];
  try {
    scans = (await planScans(connection, await planningSql(connection, sql, params))).filter(
      (s) => s.files.length > 0,
    );
  } catch {
    // No plan to read (a statement DuckDB cannot plan this way; a mistake the run reports itself):
    // every byte of every bound file, the most the query could read.
    return [...files.values()].reduce((n, f) => n + f.bytes, 0);
  }
  const needFooter = [
    ...new Set(scans.flatMap((s) => s.files).filter((path) => !files.get(path)?.columnStats?.columns)),
  ].filter((path) => files.has(path));
  const footers = new Map<string, FileColumnStats>();
  const read = await readFooterStats(connection, needFooter);
  for (const [i, path] of needFooter.entries()) footers.set(path, read[i] ?? { columns: {} });

  let bytes = 0;
  for (const scan of scans) {
    for (const path of scan.files) {
      const file = files.get(path);
      if (!file) continue;
      const stats = file.columnStats?.columns ? file.columnStats : footers.get(path);
      if (!stats?.columns) continue;
      bytes += fileRead(scan, { ...stats, columns: stats.columns }, file.rowCount).bytes;
    }
  }
  return bytes;
}
