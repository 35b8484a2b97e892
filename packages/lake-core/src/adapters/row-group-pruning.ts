// Row-group pruning as DuckDB's Parquet reader does it: a scan's pushed-down filters checked against
// each row group's min, max and null count, and the compressed bytes of the column chunks it still reads.

import { isJsonNode as isNode } from "../json/json-tree";
import type { ColumnStat, FileColumnStats } from "../ports/catalog";
import type { PlannedScan, ScanFilter } from "./duckdb-plan-scans";

type Value = number | string | boolean;

const INTEGER_TYPES = new Set([
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "BIGINT",
  "HUGEINT",
  "UTINYINT",
  "USMALLINT",
  "UINTEGER",
  "UBIGINT",
  "UHUGEINT",
]);
const TIMESTAMP =
  /^(-?\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d{1,9})?(?:([+-])(\d\d)(?::?(\d\d))?)?$/;
const DATE = /^(-?\d{4,})-(\d\d)-(\d\d)$/;

/** Microseconds since the epoch of DuckDB's timestamp text ("2024-05-01 10:00:00.5+00"). */
function timestampMicros(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const fraction = m[7] ? Math.floor(Number(`0${m[7]}`) * 1e6 + 1e-6) : 0;
  const offsetMinutes = m[8] ? (m[8] === "-" ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10] ?? 0)) : 0;
  return (ms - offsetMinutes * 60_000) * 1000 + fraction;
}

/**
 * A min/max text as the value DuckDB serializes a constant of that type as (days for a DATE,
 * microseconds for a TIMESTAMP), or undefined for types this does not prune on (DECIMAL, JSON,
 * nested, …): a filter on them never skips a row group here.
 */
function statValue(type: string, text: string | undefined): Value | undefined {
  if (text === undefined) return undefined;
  if (type === "VARCHAR") return text;
  if (type === "BOOLEAN") return text === "true" ? true : text === "false" ? false : undefined;
  if (type === "DATE") {
    const m = DATE.exec(text);
    return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000 : undefined;
  }
  if (type === "TIMESTAMP WITH TIME ZONE" || type === "TIMESTAMP") return timestampMicros(text);
  if (INTEGER_TYPES.has(type) || type === "DOUBLE" || type === "FLOAT") {
    const n = Number(text);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

function constantValue(type: string, constant: unknown): Value | undefined {
  if (!isNode(constant) || constant.is_null === true) return undefined;
  const v = constant.value;
  if (type === "VARCHAR") return typeof v === "string" ? v : undefined;
  if (type === "BOOLEAN") return typeof v === "boolean" ? v : undefined;
  if (typeof v === "number" && !Number.isNaN(v)) return v;
  return undefined;
}

/** DuckDB orders strings by their UTF-8 bytes, which differs from JavaScript's UTF-16 order. */
function compare(a: Value, b: Value): number {
  if (typeof a === "string" && typeof b === "string") {
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
  }
  return Number(a) - Number(b);
}

/** What is known of one column in one row group. */
interface Bounds {
  rows: number;
  min: Value | undefined;
  max: Value | undefined;
  nulls: number | undefined;
}

function boundsOf(
  type: string,
  stat: ColumnStat | undefined,
  rows: number,
  columnKnownAbsent: boolean,
): Bounds {
  // A column the file does not hold reads as NULL in all its rows (the table reads files by name).
  if (!stat) return columnKnownAbsent ? { rows, min: undefined, max: undefined, nulls: rows } : unknown(rows);
  const min = statValue(type, stat.min);
  const max = statValue(type, stat.max);
  const bothKnown = min !== undefined && max !== undefined;
  return { rows, min: bothKnown ? min : undefined, max: bothKnown ? max : undefined, nulls: stat.nulls };
}

function unknown(rows: number): Bounds {
  return { rows, min: undefined, max: undefined, nulls: undefined };
}

function allNull(b: Bounds): boolean {
  return b.nulls !== undefined && b.nulls >= b.rows;
}

function comparisonMayMatch(op: unknown, value: Value, b: Bounds): boolean {
  if (allNull(b)) return false;
  if (b.min === undefined || b.max === undefined) return true;
  const lo = compare(value, b.min);
  const hi = compare(value, b.max);
  switch (op) {
    case "COMPARE_EQUAL":
      return lo >= 0 && hi <= 0;
    case "COMPARE_NOTEQUAL":
      return !(lo === 0 && hi === 0);
    case "COMPARE_LESSTHAN":
      return lo > 0;
    case "COMPARE_LESSTHANOREQUALTO":
      return lo >= 0;
    case "COMPARE_GREATERTHAN":
      return hi < 0;
    case "COMPARE_GREATERTHANOREQUALTO":
      return hi <= 0;
    default:
      return true;
  }
}

/**
 * Whether a row group may hold rows passing `filter` (false only when its statistics rule every row
 * out). Filter kinds decided only at run time (dynamic join and top-N filters) or by arbitrary
 * expressions keep every row group, as do types this does not order.
 */
export function mayMatch(filter: unknown, type: string, b: Bounds): boolean {
  if (!isNode(filter)) return true;
  const children = Array.isArray(filter.child_filters) ? filter.child_filters : [];
  switch (filter.filter_type) {
    case "CONSTANT_COMPARISON": {
      const value = constantValue(type, filter.constant);
      return value === undefined ? true : comparisonMayMatch(filter.comparison_type, value, b);
    }
    case "IS_NULL":
      return b.nulls === undefined ? true : b.nulls > 0;
    case "IS_NOT_NULL":
      return !allNull(b);
    case "CONJUNCTION_AND":
      return children.every((c) => mayMatch(c, type, b));
    case "CONJUNCTION_OR":
      return children.length === 0 || children.some((c) => mayMatch(c, type, b));
    case "IN_FILTER": {
      const values = (Array.isArray(filter.values) ? filter.values : []).map((c) => constantValue(type, c));
      if (values.some((v) => v === undefined)) return true;
      return values.some((v) => comparisonMayMatch("COMPARE_EQUAL", v as Value, b));
    }
    case "OPTIONAL_FILTER":
      // DuckDB skips row groups by an optional filter's child too; it only leaves rows to a later filter.
      return mayMatch(filter.child_filter, type, b);
    default:
      return true;
  }
}

/** What a scan reads of one file: its row groups left after pruning and their bytes in the scan's columns. */
export interface FileRead {
  rowGroupsRead: number;
  rowGroupsTotal: number;
  bytes: number;
}

/**
 * The row groups of a file a scan reads (every filter may match) and the compressed bytes of its
 * columns in them. `stats` must hold the file's `columns` (see columnShareStats for files without).
 */
export function fileRead(
  scan: Pick<PlannedScan, "columns" | "filters">,
  stats: Required<Pick<FileColumnStats, "columns">> & FileColumnStats,
  rowCount: number,
): FileRead {
  const groups =
    stats.rowGroups && stats.rowGroups.length > 0
      ? stats.rowGroups
      : [{ rows: rowCount, columns: stats.columns }];
  const fileColumns = new Set(Object.keys(stats.columns));
  let bytes = 0;
  let read = 0;
  for (const group of groups) {
    const keep = scan.filters.every((f: ScanFilter) =>
      mayMatch(
        f.filter,
        f.type,
        boundsOf(f.type, group.columns[f.column], group.rows, !fileColumns.has(f.column)),
      ),
    );
    if (!keep) continue;
    read += 1;
    for (const column of scan.columns) bytes += group.columns[column]?.bytes ?? 0;
  }
  return { rowGroupsRead: read, rowGroupsTotal: groups.length, bytes };
}
