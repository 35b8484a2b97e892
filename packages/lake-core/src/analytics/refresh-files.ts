// The data files of an analytics table's refresh: the engine's one Parquet result, split into dt
// partitions when it has a dt column (ZSTD, hive folders, the column kept in the files), described by
// its columns and footer statistics, and put in the object store under analytics/{slug}/.
import { readFile, stat } from "node:fs/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "../adapters/duckdb-sql";
import { readFooterStats } from "../adapters/parquet-footer-stats";
import type { ColumnSpec, NewDataFile } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";
import { copyPartitioned, dataFileOf } from "../process/parquet-writer";

/** The column a result is partitioned by, when it has one. */
export const ANALYTICS_PARTITION_COLUMN = "dt";

export interface RefreshFiles {
  columns: ColumnSpec[];
  /** ["dt"] when the result has a dt column, else []. */
  partitionBy: string[];
  files: NewDataFile[];
}

/** The object-store prefix of an analytics table's files: analytics/{slug}/. */
export function analyticsPrefix(tableName: string): string {
  return `analytics/${tableName.slice(tableName.indexOf(".") + 1)}/`;
}

/** The columns of a Parquet file as DuckDB reads them (what readers of the table will see). */
export async function parquetColumns(duck: DuckDBConnection, file: string): Promise<ColumnSpec[]> {
  const reader = await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
  return reader
    .getRowObjectsJson()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/**
 * Splits (or keeps) the result file, uploads what it makes, and returns the files for the catalog.
 * Each key put is pushed onto `uploaded` as soon as it is, so a caller that fails later can delete them.
 */
export async function writeRefreshFiles(
  deps: { duck: DuckDBConnection; store: ObjectStore },
  opts: {
    resultFile: string;
    rows: number;
    columns: ColumnSpec[];
    outDir: string;
    tableName: string;
    filePrefix: string;
    uploaded: string[];
  },
): Promise<RefreshFiles> {
  const prefix = analyticsPrefix(opts.tableName);
  const partitioned = opts.columns.some((c) => c.name === ANALYTICS_PARTITION_COLUMN);
  const put = async (key: string, localPath: string) => {
    await deps.store.put(key, await readFile(localPath), { contentType: "application/vnd.apache.parquet" });
    opts.uploaded.push(key);
  };
  if (partitioned) {
    const written = await copyPartitioned(
      deps.duck,
      `SELECT * FROM read_parquet(${sqlString(opts.resultFile)})`,
      opts.outDir,
      opts.filePrefix,
      undefined,
    );
    const files: NewDataFile[] = [];
    for (const f of written) {
      const key = prefix + f.relPath;
      await put(key, f.localPath);
      files.push(dataFileOf(key, f));
    }
    return { columns: opts.columns, partitionBy: [ANALYTICS_PARTITION_COLUMN], files };
  }
  if (opts.rows === 0) return { columns: opts.columns, partitionBy: [], files: [] };
  const key = `${prefix}${opts.filePrefix}.parquet`;
  const [columnStats] = await readFooterStats(deps.duck, [opts.resultFile]);
  await put(key, opts.resultFile);
  return {
    columns: opts.columns,
    partitionBy: [],
    files: [
      {
        path: key,
        partition: "",
        rowCount: opts.rows,
        bytes: (await stat(opts.resultFile)).size,
        columnStats: columnStats ?? {},
      },
    ],
  };
}
