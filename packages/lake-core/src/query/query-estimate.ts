// estimateQuery: what a SQL query will read and cost, from the catalog alone, before it runs.
import { InletError } from "../errors";
import type { Catalog } from "../ports/catalog";
import { queryCostUsd } from "./price-sheet";
import { parseSql, type SqlNode, walkSql } from "./sql-tree";

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

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function tableNamesOf(tree: SqlNode): string[] {
  const ctes = new Set<string>();
  for (const node of walkSql(tree)) {
    const map = node.cte_map;
    if (map && typeof map === "object" && Array.isArray((map as SqlNode).map)) {
      for (const e of (map as SqlNode).map as SqlNode[]) ctes.add(str(e.key).toLowerCase());
    }
  }
  const names: string[] = [];
  for (const node of walkSql(tree)) {
    if (node.type !== "BASE_TABLE") continue;
    const schema = str(node.schema_name);
    const table = str(node.table_name);
    if (!schema && ctes.has(table.toLowerCase())) continue;
    const name = (schema ? `${schema}.${table}` : table).toLowerCase();
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Estimates the Parquet bytes a query will scan from the catalog's file statistics: no data file is
 * read. Throws BAD_REQUEST for a syntax error (with its line and column) or an unknown table.
 */
export async function estimateQuery(
  deps: { catalog: Catalog },
  sql: string,
  _params: Record<string, unknown> = {},
): Promise<QueryEstimate> {
  const tree = await parseSql(sql);
  const tables: TableReadEstimate[] = [];
  for (const name of tableNamesOf(tree)) {
    const view = await deps.catalog.tableSnapshot(name);
    if (!view) throw new InletError("BAD_REQUEST", `unknown table ${name}`, { field: "sql", table: name });
    tables.push({
      name: view.name,
      snapshotSeq: view.seq,
      filesRead: view.files.length,
      filesTotal: view.files.length,
      partitionsRead: [...new Set(view.files.map((f) => f.partition))].sort(),
      columnsRead: view.columns.map((c) => c.name),
      bytes: view.files.reduce((n, f) => n + f.bytes, 0),
    });
  }
  const bytes = tables.reduce((n, t) => n + t.bytes, 0);
  return { tables, bytes, costUsd: queryCostUsd(bytes) };
}
