// estimateQuery: what a SQL query will read and cost, from the catalog alone, before it runs — the
// tables at their current snapshot, the partitions, files and columns read, and their bytes.
//
// The SQL is planned by DuckDB over empty tables shaped like the catalog's (sql-planner.ts), which
// gives each scan's columns and pushed-down filters exactly as the engine's plan over the files will
// have them; the filters are then checked against the row-group statistics recorded at commit and
// the column chunks left are summed, as the DuckDB engine measures bytes scanned
// (adapters/duckdb-scanned-bytes.ts). No data file is read. Files without recorded statistics are
// estimated (file-stats-fallback.ts).
import { isPlanUnavailable, type PlannedScan } from "../adapters/duckdb-plan-scans";
import { fileRead } from "../adapters/row-group-pruning";
import { InletError } from "../errors";
import type { Catalog, TableSnapshotView } from "../ports/catalog";
import { columnShares, fallbackStats } from "./file-stats-fallback";
import { type PriceSheet, queryCostUsd } from "./price-sheet";
import { parseSql, planOverTables } from "./sql-planner";
import { type SqlNode, walkSql } from "./sql-tree";
import { currentSnapshot } from "./table-snapshot-cache";

/** What the query reads of one table at its current snapshot. */
export interface TableReadEstimate {
  name: string;
  snapshotSeq: number;
  filesRead: number;
  filesTotal: number;
  /** Partition paths read, e.g. "dt=2024-05-01". */
  partitionsRead: string[];
  columnsRead: string[];
  bytes: number;
}

export interface QueryEstimate {
  tables: TableReadEstimate[];
  bytes: number;
  costUsd: number;
}

export interface EstimateDeps {
  catalog: Catalog;
  /** Prices the estimate; Athena's by default. */
  priceSheet?: PriceSheet | undefined;
  /**
   * Tables the caller already resolved at their snapshot (a run about to start), by name: estimated
   * at exactly that snapshot, without reading the catalog again. Others are read from the catalog.
   */
  snapshots?: readonly TableSnapshotView[] | undefined;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The catalog tables a statement names (CTE names excepted), lower case, in order of first mention. */
export function tableNamesOf(statement: SqlNode): string[] {
  const ctes = new Set<string>();
  for (const node of walkSql(statement)) {
    const map = node.cte_map;
    if (map && typeof map === "object" && Array.isArray((map as SqlNode).map)) {
      for (const e of (map as SqlNode).map as SqlNode[]) ctes.add(str(e.key).toLowerCase());
    }
  }
  const names: string[] = [];
  for (const node of walkSql(statement)) {
    if (node.type !== "BASE_TABLE") continue;
    const schema = str(node.schema_name);
    const table = str(node.table_name);
    if (!schema && ctes.has(table.toLowerCase())) continue;
    const name = (schema ? `${schema}.${table}` : table).toLowerCase();
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

async function snapshotsOf(deps: EstimateDeps, names: string[]): Promise<TableSnapshotView[]> {
  const given = new Map((deps.snapshots ?? []).map((v) => [v.name.toLowerCase(), v]));
  const views = await Promise.all(
    names.map((name) => given.get(name) ?? currentSnapshot(deps.catalog, name)),
  );
  return views.map((view, i) => {
    if (view) return view;
    const name = names[i]!;
    throw new InletError("BAD_REQUEST", `unknown table ${name}`, { field: "sql", table: name });
  });
}

/**
 * Estimates the Parquet bytes a query will scan and what that costs, from the catalog's file
 * statistics: no data file is read. `params` gives `$name` parameters their values (bare, or typed as
 * { type, value }); a parameter without one is planned as unknown and prunes nothing. Throws
 * BAD_REQUEST for a syntax error (with its line and column), an unknown table or column.
 */
export async function estimateQuery(
  deps: EstimateDeps,
  sql: string,
  params: Record<string, unknown> = {},
): Promise<QueryEstimate> {
  const statement = await parseSql(sql);
  const views = await snapshotsOf(deps, tableNamesOf(statement));
  let scans: PlannedScan[];
  try {
    scans = await planOverTables(
      sql,
      views.map((v) => ({ name: v.name, columns: v.columns })),
      params,
    );
  } catch (err) {
    if (!isPlanUnavailable(err)) throw err;
    // No plan to read: every column of every file of the tables named, the most the query can read.
    scans = views.map((v) => ({
      files: [],
      table: v.name.toLowerCase(),
      columns: v.columns.map((c) => c.name),
      filters: [],
    }));
  }

  const tables = views.map((view): TableReadEstimate => {
    const own = scans.filter((s) => s.table === view.name.toLowerCase());
    const shares = own.length > 0 ? columnShares(view.files, view.columns) : new Map<string, number>();
    const stats =
      own.length === 0
        ? []
        : view.files.map((file) =>
            file.columnStats?.columns
              ? { ...file.columnStats, columns: file.columnStats.columns }
              : fallbackStats(file, shares, view.columns),
          );
    const read = new Set<number>();
    let bytes = 0;
    for (const scan of own) {
      view.files.forEach((file, i) => {
        const r = fileRead(scan, stats[i]!, file.rowCount);
        if (r.rowGroupsRead > 0) read.add(i);
        bytes += r.bytes;
      });
    }
    const files = [...read].map((i) => view.files[i]!);
    return {
      name: view.name,
      snapshotSeq: view.seq,
      filesRead: files.length,
      filesTotal: view.files.length,
      partitionsRead: [...new Set(files.map((f) => f.partition))].sort(),
      columnsRead: view.columns.map((c) => c.name).filter((c) => own.some((s) => s.columns.includes(c))),
      bytes,
    };
  });
  const bytes = tables.reduce((n, t) => n + t.bytes, 0);
  return { tables, bytes, costUsd: queryCostUsd(bytes, deps.priceSheet) };
}
