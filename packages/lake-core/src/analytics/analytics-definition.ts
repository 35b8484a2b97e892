// An analytics table's definition read as the query path reads any SQL: refused statements and
// constructs (the read-only guard), syntax errors by line and column, the tables it names resolved at
// their current snapshot (an unknown one named), and whether it is partition-local.
import { inspectQueryTree, refusedStatement } from "../adapters/duckdb-sql-guard";
import { InletError } from "../errors";
import type { Catalog, TableSnapshotView } from "../ports/catalog";
import { resolveTables } from "../query/resolve-tables";
import { parseSql } from "../query/sql-planner";
import { lineAndColumn, type SqlNode } from "../query/sql-tree";
import { type PartitionLocality, partitionLocality } from "./partition-local";

export interface DefinitionPlan {
  tree: SqlNode;
  /** The tables the definition reads, each once, at their current snapshot. */
  views: TableSnapshotView[];
  locality: PartitionLocality;
}

/** A refusal that carries a byte offset into the SQL, placed by line and column. */
function located(err: unknown, sql: string): unknown {
  if (!(err instanceof InletError) || typeof err.details?.offset !== "number") return err;
  const { offset, ...details } = err.details;
  const at = lineAndColumn(sql, offset);
  return new InletError(err.code, `${err.message} (line ${at.line}, column ${at.column})`, {
    ...details,
    ...at,
  });
}

/** Reads a definition without running it; BAD_REQUEST (details.field "sql") for what cannot run. */
export async function planDefinition(
  catalog: Pick<Catalog, "tableSnapshot">,
  sql: string,
): Promise<DefinitionPlan> {
  const refused = refusedStatement(sql);
  if (refused) throw refused;
  const tree = await parseSql(sql);
  let refs: ReturnType<typeof inspectQueryTree>;
  try {
    refs = inspectQueryTree(tree);
  } catch (err) {
    throw located(err, sql);
  }
  const views = await resolveTables(catalog, sql, refs);
  return { tree, views, locality: partitionLocality(tree) };
}
