// Whether an analytics table's definition is partition-local: each dt of its result is computed from
// the input's rows of that same dt alone, so a refresh may recompute only the dt values whose input
// files changed. The rule is deliberately narrow, read from DuckDB's parse tree; anything it does not
// recognise is refreshed whole. A definition is partition-local when it is
//   - one SELECT (no UNION/INTERSECT/EXCEPT, no WITH) over one table (no join, no subquery anywhere),
//   - its select list takes the input's dt unchanged (`dt`, `t.dt`, `dt AS dt`, or a plain `*`), and no
//     other expression is named dt,
//   - when it groups, dt is in its one GROUP BY (by name or position, or GROUP BY ALL): no ROLLUP, CUBE
//     or GROUPING SETS, and no `*` with grouping,
//   - without window functions, QUALIFY, LIMIT, DISTINCT ON, SAMPLE or volatile functions (now(),
//     random(), current_date …), whose result would differ between the partitions recomputed and the
//     partitions kept.
import { isSqlNode, type SqlNode, walkSql } from "../query/sql-tree";

export type PartitionLocality = { local: true; input: string } | { local: false; reason: string };

const VOLATILE_FUNCTIONS = new Set([
  "now",
  "random",
  "setseed",
  "uuid",
  "gen_random_uuid",
  "uuidv4",
  "uuidv7",
  "today",
  "current_date",
  "current_time",
  "current_timestamp",
  "get_current_time",
  "get_current_timestamp",
  "transaction_timestamp",
  "localtime",
  "localtimestamp",
  "nextval",
  "currval",
]);

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function notLocal(reason: string): PartitionLocality {
  return { local: false, reason };
}

/** `dt` or `{qualifier}.dt` for one of the names the input goes by. */
function isDtColumn(node: unknown, qualifiers: Set<string>): boolean {
  if (!isSqlNode(node) || node.class !== "COLUMN_REF") return false;
  const names = list(node.column_names).map((n) => str(n).toLowerCase());
  if (names.length === 1) return names[0] === "dt";
  return names.length === 2 && names[1] === "dt" && qualifiers.has(names[0]!);
}

/** A plain `*` (or `t.*`): every input column, dt among them, unchanged. */
function isPlainStar(node: SqlNode, qualifiers: Set<string>): boolean {
  if (node.class !== "STAR" || node.columns === true || node.expr !== null) return false;
  const relation = str(node.relation_name).toLowerCase();
  if (relation !== "" && !qualifiers.has(relation)) return false;
  const excluded = list(node.exclude_list).map((n) => str(n).toLowerCase());
  const replaced = list(node.replace_list).map((e) => (isSqlNode(e) ? str(e.key).toLowerCase() : ""));
  return (
    !excluded.includes("dt") &&
    !replaced.includes("dt") &&
    list(node.qualified_exclude_list).length === 0 &&
    list(node.rename_list).length === 0
  );
}

function volatileFunction(tree: unknown): string | undefined {
  for (const node of walkSql(tree)) {
    if (node.class === "FUNCTION" && VOLATILE_FUNCTIONS.has(str(node.function_name).toLowerCase())) {
      return str(node.function_name);
    }
    if (node.class === "COLUMN_REF") {
      const names = list(node.column_names);
      const only = names.length === 1 ? str(names[0]).toLowerCase() : "";
      if (VOLATILE_FUNCTIONS.has(only)) return only;
    }
  }
  return undefined;
}

/**
 * The locality of a definition, from its parse tree (the statement parseSql returns): partition-local
 * with the one table it reads, or why not.
 */
export function partitionLocality(statement: SqlNode): PartitionLocality {
  const node = isSqlNode(statement.node) ? statement.node : statement;
  if (node.type !== "SELECT_NODE") return notLocal("it combines queries (UNION, INTERSECT or EXCEPT)");
  if (isSqlNode(node.cte_map) && list(node.cte_map.map).length > 0) return notLocal("it has a WITH clause");
  const from = node.from_table;
  if (!isSqlNode(from) || from.type !== "BASE_TABLE") {
    return notLocal("it reads more than one table, or a subquery");
  }
  for (const n of walkSql(node)) {
    if (n.class === "SUBQUERY") return notLocal("it has a subquery");
    if (n.class === "WINDOW") return notLocal("it uses a window function");
  }
  if (node.qualify !== null && node.qualify !== undefined) return notLocal("it has a QUALIFY clause");
  if ((node.sample ?? null) !== null || (from.sample ?? null) !== null)
    return notLocal("it samples its input");
  for (const m of list(node.modifiers)) {
    if (!isSqlNode(m)) continue;
    if (m.type === "LIMIT_MODIFIER" || m.type === "LIMIT_PERCENT_MODIFIER") return notLocal("it has a LIMIT");
    if (m.type === "DISTINCT_MODIFIER" && list(m.distinct_on_targets).length > 0) {
      return notLocal("it has DISTINCT ON");
    }
  }
  const volatile = volatileFunction(node);
  if (volatile) return notLocal(`it calls ${volatile}(), whose value changes between refreshes`);

  const schema = str(from.schema_name).toLowerCase();
  const table = str(from.table_name).toLowerCase();
  const alias = str(from.alias).toLowerCase();
  const qualifiers = new Set([alias || table]);
  const select = list(node.select_list).filter(isSqlNode);
  const dtIndex = select.findIndex(
    (e) => isDtColumn(e, qualifiers) && (str(e.alias) === "" || str(e.alias).toLowerCase() === "dt"),
  );
  const star = select.some((e) => isPlainStar(e, qualifiers));
  const otherDt = select.some((e, i) => i !== dtIndex && str(e.alias).toLowerCase() === "dt");
  if ((dtIndex < 0 && !star) || otherDt)
    return notLocal("its result does not take dt unchanged from its input");

  const groups = list(node.group_expressions);
  const grouped = groups.length > 0 || node.aggregate_handling === "FORCE_AGGREGATES";
  if (grouped) {
    if (dtIndex < 0) return notLocal("it groups rows, and dt comes only through *");
    if (groups.length > 0) {
      const sets = list(node.group_sets);
      if (sets.length !== 1) return notLocal("it groups by ROLLUP, CUBE or GROUPING SETS");
      const inSet = new Set(list(sets[0]).map(Number));
      const byDt = groups.some((g, i) => {
        if (!inSet.has(i)) return false;
        if (isDtColumn(g, qualifiers)) return true;
        // GROUP BY 1: a position in the select list.
        const position =
          isSqlNode(g) && g.class === "CONSTANT" && isSqlNode(g.value) ? Number(g.value.value) : NaN;
        return position === dtIndex + 1;
      });
      if (!byDt) return notLocal("it groups rows without dt");
    }
  }
  return { local: true, input: schema ? `${schema}.${table}` : table };
}
