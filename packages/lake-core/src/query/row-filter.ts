// A row filter governance staff write for a role (a SQL predicate over one table's columns), checked
// before it is saved: it parses, it is one predicate and nothing else, it reads nothing outside the
// row (no subquery, window, table or file), its functions are among those queries may use, and every
// column it names is the table's.
import { inspectQueryTree } from "../adapters/duckdb-sql-guard";
import { errorMessage, InletError } from "../errors";
import type { ColumnSpec } from "../ports/catalog";
import { parseSql, planOverTables } from "./sql-planner";
import { isSqlNode, type SqlNode, walkSql } from "./sql-tree";

const MAX_LENGTH = 4000;

function refuse(message: string): InletError {
  return new InletError("BAD_REQUEST", `Row filter: ${message}`, { field: "predicate" });
}

/** Throws BAD_REQUEST (field "predicate") saying what is wrong with `predicate` as a row filter of `table`. */
export async function validateRowFilter(
  predicate: string,
  table: { name: string; columns: readonly ColumnSpec[] },
): Promise<void> {
  const text = predicate.trim();
  if (text.length === 0) throw refuse("write a condition over the table's columns, e.g. region = 'eu'");
  if (text.length > MAX_LENGTH) throw refuse(`at most ${MAX_LENGTH} characters`);
  const [schema, name] = table.name.split(".");
  const relation = `"${schema}"."${name}"`;
  const sql = `SELECT * FROM ${relation} WHERE (\n${text}\n)`;
  let statement: SqlNode;
  try {
    statement = await parseSql(sql);
  } catch (err) {
    // Lines of the predicate are one lower than in the wrapped text.
    throw refuse(
      errorMessage(err).replace(
        /\(line (\d+), column (\d+)\)/,
        (_m, l, c) => `(line ${Number(l) - 1}, column ${c})`,
      ),
    );
  }
  const node = isSqlNode(statement.node) ? statement.node : undefined;
  const from = node && isSqlNode(node.from_table) ? node.from_table : undefined;
  const selectList = node && Array.isArray(node.select_list) ? node.select_list : [];
  const cteMap = node && isSqlNode(node.cte_map) && Array.isArray(node.cte_map.map) ? node.cte_map.map : [];
  const plain =
    node?.type === "SELECT_NODE" &&
    from?.type === "BASE_TABLE" &&
    selectList.length === 1 &&
    cteMap.length === 0 &&
    (!Array.isArray(node.group_expressions) || node.group_expressions.length === 0) &&
    !isSqlNode(node.having) &&
    !isSqlNode(node.qualify) &&
    (!Array.isArray(node.modifiers) || node.modifiers.length === 0) &&
    isSqlNode(node.where_clause);
  if (!plain) throw refuse("write one condition over the table's columns, with no clauses after it");
  for (const n of walkSql(node.where_clause)) {
    if (n.class === "SUBQUERY")
      throw refuse("a subquery reads outside the row; compare the row's own columns");
    if (n.class === "WINDOW")
      throw refuse("a window function reads other rows; compare the row's own columns");
    if (n.class === "COLUMN_REF" && Array.isArray(n.column_names) && n.column_names.length > 1) {
      throw refuse(`name columns without a table (${n.column_names.join(".")})`);
    }
  }
  try {
    const tables = inspectQueryTree(statement);
    if (tables.length !== 1) throw refuse("it may only read the table's own row");
  } catch (err) {
    if (err instanceof InletError && err.message.startsWith("Row filter:")) throw err;
    throw refuse(errorMessage(err));
  }
  try {
    await planOverTables(sql, [{ name: table.name, columns: [...table.columns] }]);
  } catch (err) {
    throw refuse(errorMessage(err));
  }
}
