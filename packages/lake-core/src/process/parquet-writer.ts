// Writes curated rows to ZSTD Parquet with DuckDB: NDJSON temp file → read_json with the table's
// columns → COPY … PARTITION_BY (dt[, property]), and reports each file written with its stats
// (row count and event-time range from COPY, per-column bytes, min, max and nulls from its footer).
import { relative } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlIdent, sqlString } from "../adapters/duckdb-sql";
import { readFooterStats } from "../adapters/parquet-footer-stats";
import type { FileColumnStats, NewDataFile } from "../ports/catalog";
import { type ColumnSpec, isReservedColumn, META_COLUMNS } from "../schema/schema-columns";

export interface WrittenFile {
  localPath: string;
  /** Path below the output directory, e.g. "dt=2024-05-01/{flushId}-0.parquet". */
  relPath: string;
  /** "dt=2024-05-01", or "dt=2024-05-01/region=eu" with an extra partition property (values URL-encoded). */
  partition: string;
  rowCount: number;
  bytes: number;
  minEventTime: Date | undefined;
  maxEventTime: Date | undefined;
  /** Per-column bytes, min, max and nulls from the file's footer, for estimates and bytes scanned. */
  columnStats: FileColumnStats;
}

/** A written file as the catalog records it, once put at `key`. */
export function dataFileOf(key: string, f: WrittenFile): NewDataFile {
  return {
    path: key,
    partition: f.partition,
    rowCount: f.rowCount,
    bytes: f.bytes,
    minEventTime: f.minEventTime,
    maxEventTime: f.maxEventTime,
    columnStats: f.columnStats,
  };
}

// Range problems AJV cannot see (a BIGINT beyond 64 bits, a leap second) are dead-lettered before this
// (unstorableValue); as a safety net such values are read as text and cast with TRY_CAST, so one that
// slips through becomes NULL instead of failing the whole flush.
const LENIENT = new Set(["BIGINT", "TIMESTAMPTZ"]);

function readType(c: ColumnSpec): string {
  // JSON values arrive as their text in a string: DuckDB's JSON reader would re-serialize numbers
  // through doubles (1.50 → 1.5, 20 digits → 17), while a cast from text keeps them as written.
  if (c.type === "JSON") return "VARCHAR";
  return LENIENT.has(c.type) && !isReservedColumn(c.name) ? "VARCHAR" : c.type;
}

function selectExpr(c: ColumnSpec): string {
  const id = sqlIdent(c.name);
  if (c.type === "JSON") return `CAST(${id} AS JSON) AS ${id}`;
  if (readType(c) === c.type) return id;
  // RFC 3339 allows a lower-case "t" and "z", which DuckDB's cast refuses.
  const text = c.type === "TIMESTAMPTZ" ? `upper(${id})` : id;
  return `TRY_CAST(${text} AS ${c.type}) AS ${id}`;
}

/** "2024-05-01 10:00:00.5+00" (DuckDB's stats text) → Date. */
function parseStatTime(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const iso = s.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

type KeyValue = { key: string; value: unknown };

function mapOf(v: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (Array.isArray(v))
    for (const kv of v as KeyValue[]) m.set(String(kv.key).replace(/^"|"$/g, ""), kv.value);
  return m;
}

/**
 * COPY (select) TO outDir partitioned by its dt column (then the extra property, if any), ZSTD; returns
 * the files with their stats. A NULL property value lands in `{property}=__HIVE_DEFAULT_PARTITION__`.
 */
export async function copyPartitioned(
  conn: DuckDBConnection,
  select: string,
  outDir: string,
  filePrefix: string,
  partitionProperty: string | undefined,
): Promise<WrittenFile[]> {
  const partitionBy = partitionProperty ? `dt, ${sqlIdent(partitionProperty)}` : "dt";
  const sql = `COPY (${select})
    TO ${sqlString(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${partitionBy}), WRITE_PARTITION_COLUMNS true,
      FILENAME_PATTERN ${sqlString(`${filePrefix}-{i}`)}, RETURN_STATS)`;
  const reader = await conn.runAndReadAll(sql);
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  const footers = await readFooterStats(
    conn,
    rows.map((r) => String(r.filename)),
  );
  return rows.map((r, i) => {
    const localPath = String(r.filename);
    const relPath = relative(outDir, localPath).split("\\").join("/");
    const stats = mapOf(r.column_statistics);
    const eventTime = mapOf(stats.get("_event_time"));
    return {
      localPath,
      relPath,
      // The folders DuckDB wrote, as written: "dt=2024-05-01" or "dt=2024-05-01/region=eu".
      partition: relPath.split("/").slice(0, -1).join("/"),
      rowCount: Number(r.count),
      bytes: Number(r.file_size_bytes),
      minEventTime: parseStatTime(eventTime.get("min") as string | undefined),
      maxEventTime: parseStatTime(eventTime.get("max") as string | undefined),
      columnStats: footers[i] ?? {},
    };
  });
}

/**
 * Reads the NDJSON file (one object per line with payload properties and the meta columns) and
 * writes one Parquet file per partition (dt, then the optional property) into outDir, named `{filePrefix}-{i}.parquet`. Rows whose
 * _event_id is listed in excludeIdsPath (NDJSON lines of {"id": …}) are left out.
 */
export function writeCuratedParquet(
  conn: DuckDBConnection,
  opts: {
    ndjsonPath: string;
    outDir: string;
    filePrefix: string;
    payloadColumns: ColumnSpec[];
    excludeIdsPath?: string | undefined;
    /** A payload column partitioned by after dt. */
    partitionProperty?: string | undefined;
  },
): Promise<WrittenFile[]> {
  const readCols = [...opts.payloadColumns, ...META_COLUMNS];
  const columnsStruct = `{${readCols.map((c) => `${sqlString(c.name)}: ${sqlString(readType(c))}`).join(", ")}}`;
  const select = [...readCols.map(selectExpr), "CAST(_event_time AS DATE) AS dt"].join(", ");
  const where = opts.excludeIdsPath
    ? ` WHERE _event_id NOT IN (SELECT id FROM read_json(${sqlString(opts.excludeIdsPath)},
        format = 'newline_delimited', columns = {'id': 'VARCHAR'}))`
    : "";
  return copyPartitioned(
    conn,
    `SELECT ${select} FROM read_json(${sqlString(opts.ndjsonPath)}, format = 'newline_delimited',
      columns = ${columnsStruct}, maximum_object_size = 67108864)${where}`,
    opts.outDir,
    opts.filePrefix,
    opts.partitionProperty,
  );
}
