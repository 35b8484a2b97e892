// Column statistics for data files committed before footers were recorded ({} in the catalog):
// estimated from what the catalog does know, so an estimate over old files never fails.
import type { ColumnSpec, ColumnStat, FileColumnStats, VisibleFile } from "../ports/catalog";

const HIVE_NULL = "__HIVE_DEFAULT_PARTITION__";

/** Each column's share of a file's bytes, from the table's files that have statistics. */
export function columnShares(
  files: readonly VisibleFile[],
  columns: readonly ColumnSpec[],
): Map<string, number> {
  const bytesByColumn = new Map<string, number>();
  let fileBytes = 0;
  for (const f of files) {
    const stats = f.columnStats?.columns;
    if (!stats) continue;
    fileBytes += f.bytes;
    for (const [name, s] of Object.entries(stats))
      bytesByColumn.set(name, (bytesByColumn.get(name) ?? 0) + s.bytes);
  }
  const shares = new Map<string, number>();
  if (fileBytes > 0) {
    for (const [name, bytes] of bytesByColumn) shares.set(name, bytes / fileBytes);
    return shares;
  }
  // Nothing measured yet: every column gets an equal part of the file.
  for (const c of columns) shares.set(c.name, 1 / Math.max(1, columns.length));
  return shares;
}

/** "dt=2024-05-01/region=eu" → dt: 2024-05-01, region: eu (values URL-decoded; the hive null as null). */
function partitionValues(partition: string): Map<string, string | null> {
  const values = new Map<string, string | null>();
  for (const part of partition.split("/")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const raw = part.slice(eq + 1);
    let value: string | null = raw === HIVE_NULL ? null : raw;
    try {
      if (value !== null) value = decodeURIComponent(value);
    } catch {
      // Not URL-encoded after all: keep it as written.
    }
    values.set(part.slice(0, eq), value);
  }
  return values;
}

/** DuckDB's text of a timestamp with time zone, as its footers write it. */
function timestampText(d: Date): string {
  return `${d.toISOString().replace("T", " ").replace("Z", "")}+00`;
}

/**
 * Stats for a file the catalog has no footer statistics for: each column's bytes are the file's bytes
 * × that column's share of the bytes of the table's measured files (or an equal share when none is
 * measured) — an estimate, since the file itself is not read. The partition values and the recorded
 * event-time range still bound `dt`, partition columns and `_event_time`, so pruning by them works.
 */
export function fallbackStats(
  file: VisibleFile,
  shares: ReadonlyMap<string, number>,
  columns: readonly ColumnSpec[],
): FileColumnStats & { columns: Record<string, ColumnStat> } {
  const stats: Record<string, ColumnStat> = {};
  for (const c of columns) stats[c.name] = { bytes: Math.floor(file.bytes * (shares.get(c.name) ?? 0)) };
  for (const [name, value] of partitionValues(file.partition)) {
    const s = stats[name];
    if (!s) continue;
    if (value === null) s.nulls = file.rowCount;
    else {
      s.min = value;
      s.max = value;
      s.nulls = 0;
    }
  }
  const eventTime = stats._event_time;
  if (eventTime && file.minEventTime && file.maxEventTime) {
    eventTime.min = timestampText(file.minEventTime);
    // The catalog keeps milliseconds; the next one still bounds a maximum with microseconds.
    eventTime.max = timestampText(new Date(file.maxEventTime.getTime() + 1));
  }
  return { columns: stats };
}
