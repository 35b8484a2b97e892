// Per-column statistics of Parquet files read from their footers (DuckDB's parquet_metadata, and
// parquet_schema for nested columns): compressed bytes, min, max and null count per top-level column
// and row group.
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ColumnStat, FileColumnStats, RowGroupStats } from "../ports/catalog";
import { sqlStringList } from "./duckdb-sql";

/** Longer min/max values (long strings) are left out: they would bloat the catalog for little pruning. */
const MAX_STAT_CHARS = 200;

interface SchemaRow {
  file_name: string;
  name: string;
  num_children: string | null;
}

interface MetadataRow {
  file_name: string;
  row_group_id: string;
  row_group_num_rows: string;
  column_id: string;
  path_in_schema: string;
  total_compressed_size: string | null;
  stats_min_value: string | null;
  stats_max_value: string | null;
  stats_null_count: string | null;
}

interface LeafColumn {
  /** The top-level column the leaf belongs to. */
  column: string;
  /** A leaf of a STRUCT, LIST or MAP: its min/max say nothing comparable about the column. */
  nested: boolean;
}

/**
 * The top-level column of each leaf, by leaf index (parquet_metadata's column_id): the schema rows
 * come depth first after the root, and a node without children is the next leaf.
 */
function leafColumns(rows: SchemaRow[]): LeafColumn[] {
  const leaves: LeafColumn[] = [];
  // rows[0] is the root; each entry counts the children a group still has to show.
  const pending: number[] = [];
  let top: { name: string; nested: boolean } | undefined;
  for (const row of rows.slice(1)) {
    const children = row.num_children === null ? 0 : Number(row.num_children);
    if (pending.length === 0) top = { name: row.name, nested: children > 0 };
    if (children > 0) pending.push(children);
    else if (top) leaves.push({ column: top.name, nested: top.nested });
    if (children === 0) {
      while (pending.length > 0) {
        const left = pending.length - 1;
        pending[left] = (pending[left] ?? 1) - 1;
        if ((pending[left] ?? 0) > 0) break;
        pending.pop();
      }
    }
  }
  return leaves;
}

function stat(value: string | null): string | undefined {
  return value !== null && value.length <= MAX_STAT_CHARS ? value : undefined;
}

function addLeaf(columns: Record<string, ColumnStat>, leaf: LeafColumn, row: MetadataRow): void {
  const bytes = Number(row.total_compressed_size ?? 0);
  const existing = columns[leaf.column];
  if (existing) {
    // A nested column's leaves add up; only its bytes are kept.
    existing.bytes += bytes;
    existing.min = undefined;
    existing.max = undefined;
    existing.nulls = undefined;
    return;
  }
  const entry: ColumnStat = { bytes };
  if (!leaf.nested) {
    const min = stat(row.stats_min_value);
    const max = stat(row.stats_max_value);
    if (min !== undefined && max !== undefined) {
      entry.min = min;
      entry.max = max;
    }
    if (row.stats_null_count !== null) entry.nulls = Number(row.stats_null_count);
  }
  columns[leaf.column] = entry;
}

/**
 * A whole file's stats from its row groups: bytes and nulls summed. Min and max stay with the row
 * groups, where pruning reads them (ordering their texts needs the column's type).
 */
function wholeFile(groups: RowGroupStats[]): Record<string, ColumnStat> {
  const out: Record<string, ColumnStat> = {};
  const nulls = new Map<string, number | undefined>();
  for (const group of groups) {
    for (const [name, s] of Object.entries(group.columns)) {
      const acc = out[name] ?? { bytes: 0 };
      out[name] = acc;
      acc.bytes += s.bytes;
      const before = nulls.has(name) ? nulls.get(name) : 0;
      nulls.set(name, before !== undefined && s.nulls !== undefined ? before + s.nulls : undefined);
    }
  }
  for (const [name, n] of nulls) {
    const acc = out[name];
    if (acc && n !== undefined) acc.nulls = n;
  }
  return out;
}

/**
 * Reads the footers of local Parquet files and returns each file's column statistics, in the order
 * given; row groups are listed only for files with more than one.
 */
export async function readFooterStats(
  conn: DuckDBConnection,
  paths: readonly string[],
): Promise<FileColumnStats[]> {
  if (paths.length === 0) return [];
  const metadata = (
    await conn.runAndReadAll(`SELECT file_name, row_group_id::VARCHAR AS row_group_id,
        row_group_num_rows::VARCHAR AS row_group_num_rows, column_id::VARCHAR AS column_id, path_in_schema,
        total_compressed_size::VARCHAR AS total_compressed_size, stats_min_value, stats_max_value,
        stats_null_count::VARCHAR AS stats_null_count
      FROM parquet_metadata(${sqlStringList(paths)}) ORDER BY file_name, row_group_id, column_id`)
  ).getRowObjectsJson() as unknown as MetadataRow[];

  // A leaf's path names its top-level column unless it is nested ("s, a", "l, list, element"): only
  // files with such a path (or a column named with ", ") need their schema read to tell which.
  const maybeNested = [
    ...new Set(metadata.filter((r) => r.path_in_schema.includes(", ")).map((r) => r.file_name)),
  ];
  const schemaByFile = new Map<string, SchemaRow[]>();
  if (maybeNested.length > 0) {
    const schema = (
      await conn.runAndReadAll(`SELECT file_name, name, num_children::VARCHAR AS num_children
        FROM parquet_schema(${sqlStringList(maybeNested)})`)
    ).getRowObjectsJson() as unknown as SchemaRow[];
    for (const row of schema) {
      const rows = schemaByFile.get(row.file_name) ?? [];
      rows.push(row);
      schemaByFile.set(row.file_name, rows);
    }
  }
  const groupsByFile = new Map<string, RowGroupStats[]>();
  const leavesByFile = new Map<string, LeafColumn[]>();
  for (const row of metadata) {
    let leaves = leavesByFile.get(row.file_name);
    const fileSchema = schemaByFile.get(row.file_name);
    if (!leaves && fileSchema) {
      leaves = leafColumns(fileSchema);
      leavesByFile.set(row.file_name, leaves);
    }
    const leaf = leaves ? leaves[Number(row.column_id)] : { column: row.path_in_schema, nested: false };
    if (!leaf) continue;
    const groups = groupsByFile.get(row.file_name) ?? [];
    groupsByFile.set(row.file_name, groups);
    const index = Number(row.row_group_id);
    groups[index] ??= { rows: Number(row.row_group_num_rows), columns: {} };
    addLeaf(groups[index].columns, leaf, row);
  }

  return paths.map((path) => {
    const groups = (groupsByFile.get(path) ?? []).filter((g) => g !== undefined);
    if (groups.length === 0) return { columns: {} };
    if (groups.length === 1) return { columns: groups[0]?.columns ?? {} };
    return { columns: wholeFile(groups), rowGroups: groups };
  });
}
