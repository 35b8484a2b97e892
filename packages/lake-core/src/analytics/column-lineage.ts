// Column lineage of an analytics definition: for each column of its result, the input columns
// (table, column) its values are computed from, read from DuckDB's unoptimized logical plan over empty
// tables shaped like the inputs. Each operator's output is followed position by position (BOUND_REF
// indexes into its children's outputs) through projections, filters, aggregates, windows, joins,
// set operations, CTEs and decorrelated subqueries. Anything not understood is answered with more
// sources, never fewer: an operator it does not know makes each of its columns depend on every column
// read by the scans under it (or by the whole plan, when it refers to something outside itself).
// Columns only used to choose rows (WHERE, JOIN ON, ORDER BY) are not sources: the values of a
// result column come from the columns its expression reads.
import { errorMessage } from "../errors";
import { isJsonNode as isNode, type JsonNode } from "../json/json-tree";
import { logicalPlanOverTables, type PlannerTable } from "../query/sql-planner";

/** An input column a result column is computed from; `table` is schema.table in lower case. */
export interface LineageSource {
  table: string;
  column: string;
}

export interface ColumnLineage {
  /** Each result column, in order, with the input columns its values come from. */
  columns: { name: string; sources: LineageSource[] }[];
}

export type LineageResult = { ok: true; lineage: ColumnLineage } | { ok: false; reason: string };

/** A set of input columns, as `table\0column` keys. */
type Deps = Set<string>;

/** What an operator outputs: each column's sources by position, or the same sources for any column. */
type Output = { columns: Deps[] } | { any: Deps };

const sourceKey = (table: string, column: string) => `${table}\u0000${column}`;

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function union(...sets: Deps[]): Deps {
  const out = new Set<string>();
  for (const s of sets) for (const k of s) out.add(k);
  return out;
}

function children(op: JsonNode): JsonNode[] {
  return list(op.children).filter(isNode);
}

/** Table functions that make rows from constant arguments alone: their columns carry no input data. */
const GENERATORS = new Set(["range", "generate_series", "unnest"]);

/** Operators whose columns are their child's, unchanged (some may keep a subset; see passthrough). */
const PASSTHROUGH = new Set(["LOGICAL_LIMIT", "LOGICAL_SAMPLE", "LOGICAL_DISTINCT", "LOGICAL_TOP_N"]);

const JOINS = new Set([
  "LOGICAL_COMPARISON_JOIN",
  "LOGICAL_ANY_JOIN",
  "LOGICAL_ASOF_JOIN",
  "LOGICAL_DELIM_JOIN",
]);

const SET_OPERATIONS = new Set(["LOGICAL_UNION", "LOGICAL_EXCEPT", "LOGICAL_INTERSECT"]);

class LineageWalker {
  /** Every column any scan of the plan reads: what a column depends on when nothing better is known. */
  readonly everything: Deps;
  private readonly ctes = new Map<number, Output>();
  /** The duplicate-eliminated columns of the DELIM_JOINs being walked, innermost last. */
  private readonly delims: Deps[][] = [];

  constructor(root: unknown) {
    this.everything = new Set();
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) for (const v of value) walk(v);
      else if (isNode(value)) {
        if (value.type === "LOGICAL_GET") for (const k of scanColumns(value)) this.everything.add(k);
        for (const v of Object.values(value)) walk(v);
      }
    };
    walk(root);
  }

  /** Every column read by the scans under `op`, or by the whole plan when it refers outside itself. */
  private under(op: JsonNode): Output {
    const deps = new Set<string>();
    let refersOut = false;
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) for (const v of value) walk(v);
      else if (isNode(value)) {
        if (value.type === "LOGICAL_GET") for (const k of scanColumns(value)) deps.add(k);
        if (value.type === "LOGICAL_CTE_REF" || value.type === "LOGICAL_DELIM_GET") refersOut = true;
        for (const v of Object.values(value)) walk(v);
      }
    };
    walk(op);
    return { any: refersOut ? this.everything : deps };
  }

  output(op: JsonNode): Output {
    const type = str(op.type);
    const kids = children(op);
    if (type === "LOGICAL_GET") return this.scan(op);
    if (type === "LOGICAL_PROJECTION" && kids.length === 1) {
      const child = this.output(kids[0]!);
      return { columns: list(op.expressions).map((e) => this.expression(e, child)) };
    }
    if (type === "LOGICAL_FILTER" && kids.length === 1) {
      return projected(this.output(kids[0]!), list(op.projection_map));
    }
    if (type === "LOGICAL_ORDER_BY" && kids.length === 1) {
      return projected(this.output(kids[0]!), list(op.projections));
    }
    if (PASSTHROUGH.has(type) && kids.length === 1) return this.output(kids[0]!);
    if (type === "LOGICAL_AGGREGATE_AND_GROUP_BY" && kids.length === 1) return this.aggregate(op, kids[0]!);
    if ((type === "LOGICAL_WINDOW" || type === "LOGICAL_UNNEST") && kids.length === 1) {
      const child = this.output(kids[0]!);
      if (!("columns" in child)) return this.under(op);
      return {
        columns: [...child.columns, ...list(op.expressions).map((e) => this.expression(e, child))],
      };
    }
    if (JOINS.has(type) && kids.length === 2) return this.join(op, kids[0]!, kids[1]!);
    if ((type === "LOGICAL_CROSS_PRODUCT" || type === "LOGICAL_POSITIONAL_JOIN") && kids.length === 2) {
      return concatenated(this.output(kids[0]!), this.output(kids[1]!));
    }
    if (SET_OPERATIONS.has(type) && kids.length === 2) {
      return zipped(this.output(kids[0]!), this.output(kids[1]!));
    }
    if (type === "LOGICAL_MATERIALIZED_CTE" && kids.length === 2) {
      this.ctes.set(Number(op.table_index), this.output(kids[0]!));
      return this.output(kids[1]!);
    }
    if (type === "LOGICAL_RECURSIVE_CTE" && kids.length === 2) return this.recursive(op, kids[0]!, kids[1]!);
    if (type === "LOGICAL_CTE_REF") return this.ctes.get(Number(op.cte_index)) ?? { any: this.everything };
    if (type === "LOGICAL_DELIM_GET") {
      const delim = this.delims.at(-1);
      return delim ? { columns: delim } : { any: this.everything };
    }
    if (type === "LOGICAL_EXPRESSION_GET" && kids.length === 1) {
      // VALUES: each column is its expressions in every row.
      const child = this.output(kids[0]!);
      const rows = list(op.expressions).map((row) => list(row).map((e) => this.expression(e, child)));
      const width = Math.max(0, ...rows.map((r) => r.length));
      return {
        columns: Array.from({ length: width }, (_, i) =>
          union(...rows.map((r) => r[i] ?? new Set<string>())),
        ),
      };
    }
    if (type === "LOGICAL_DUMMY_SCAN") return { columns: [] };
    return this.under(op);
  }

  private scan(op: JsonNode): Output {
    if (children(op).length > 0) return this.under(op);
    const name = str(op.name);
    const generator = GENERATORS.has(name);
    // Any table function other than a generator of constants is not known: it may read anything.
    if (name !== "seq_scan" && !generator) return { any: this.everything };
    const data = isNode(op.function_data) ? op.function_data : {};
    const table = `${str(data.schema)}.${str(data.table)}`.toLowerCase();
    const names = list(op.names).map(str);
    const read = list(op.column_indexes).map((c) => {
      const index = isNode(c) ? Number(c.index) : Number.NaN;
      const column = Number.isInteger(index) ? names[index] : undefined;
      // A generator's rows hold only its constant arguments; past the names is a virtual column
      // (row id, file name), which holds no input value either.
      return generator || column === undefined ? new Set<string>() : new Set([sourceKey(table, column)]);
    });
    const ids = list(op.projection_ids).map(Number);
    return { columns: ids.length > 0 ? ids.map((i) => read[i] ?? this.everything) : read };
  }

  /** The sources of an expression over `child`'s output: every column it references, anywhere inside. */
  private expression(expr: unknown, child: Output): Deps {
    const deps = new Set<string>();
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) {
        for (const v of value) walk(v);
        return;
      }
      if (!isNode(value)) return;
      const cls = str(value.expression_class);
      if (cls === "BOUND_REF") {
        for (const k of columnOf(child, Number(value.index)) ?? allOf(child)) deps.add(k);
      } else if (cls === "BOUND_COLUMN_REF" || cls === "BOUND_SUBQUERY") {
        // Not resolved to a position: it may be any column of the child, or something else entirely.
        for (const k of this.everything) deps.add(k);
      }
      for (const v of Object.values(value)) walk(v);
    };
    walk(expr);
    return deps;
  }

  private aggregate(op: JsonNode, input: JsonNode): Output {
    const child = this.output(input);
    const groups = list(op.groups).map((e) => this.expression(e, child));
    const aggregates = list(op.expressions).map((e) => this.expression(e, child));
    // GROUPING(a, b): which of those groups a row rolls up, so it depends on them.
    const groupings = list(op.grouping_functions).map((ids) =>
      union(...list(ids).map((i) => groups[Number(i)] ?? this.everything)),
    );
    return { columns: [...groups, ...aggregates, ...groupings] };
  }

  private join(op: JsonNode, leftOp: JsonNode, rightOp: JsonNode): Output {
    const delim = op.type === "LOGICAL_DELIM_JOIN";
    const flipped = op.delim_flipped === true;
    let left: Output;
    let right: Output;
    if (delim) {
      // The side DuckDB deduplicates is walked first; the other side reads its columns (DELIM_GET).
      const [first, second] = flipped ? [rightOp, leftOp] : [leftOp, rightOp];
      const outer = this.output(first);
      this.delims.push(list(op.duplicate_eliminated_columns).map((e) => this.expression(e, outer)));
      let inner: Output;
      try {
        inner = this.output(second);
      } finally {
        this.delims.pop();
      }
      [left, right] = flipped ? [inner, outer] : [outer, inner];
    } else {
      left = this.output(leftOp);
      right = this.output(rightOp);
    }
    left = projected(left, list(op.left_projection_map));
    right = projected(right, list(op.right_projection_map));
    const joinType = str(op.join_type);
    switch (joinType) {
      case "INNER":
      case "LEFT":
      case "RIGHT":
      case "OUTER":
      case "SINGLE":
        return concatenated(left, right);
      case "SEMI":
      case "ANTI":
        return left;
      case "RIGHT_SEMI":
      case "RIGHT_ANTI":
        return right;
      case "MARK": {
        // The mark says whether a row matched: it is computed from both sides of every condition.
        const mark = union(
          ...list(op.conditions).flatMap((c) =>
            isNode(c) ? [this.expression(c.left, left), this.expression(c.right, right)] : [],
          ),
          isNode(op.predicate) ? union(allOf(left), allOf(right)) : new Set<string>(),
        );
        return concatenated(left, { columns: [mark] });
      }
      default:
        return { any: union(allOf(left), allOf(right), this.everything) };
    }
  }

  /** A recursive CTE's columns: its anchor's and its recursive part's, grown until they stop changing. */
  private recursive(op: JsonNode, anchorOp: JsonNode, stepOp: JsonNode): Output {
    const index = Number(op.table_index);
    let current = this.output(anchorOp);
    for (let round = 0; round < 32; round++) {
      this.ctes.set(index, current);
      const next = zipped(current, this.output(stepOp));
      if (sameOutput(next, current)) return next;
      current = next;
    }
    return { any: this.everything };
  }
}

/** The input columns a scan reads, as keys (every column it outputs or filters on). */
function scanColumns(op: JsonNode): string[] {
  if (str(op.name) !== "seq_scan") return [];
  const data = isNode(op.function_data) ? op.function_data : {};
  const table = `${str(data.schema)}.${str(data.table)}`.toLowerCase();
  const names = list(op.names).map(str);
  const out: string[] = [];
  for (const c of list(op.column_indexes)) {
    const index = isNode(c) ? Number(c.index) : Number.NaN;
    const column = Number.isInteger(index) ? names[index] : undefined;
    if (column !== undefined) out.push(sourceKey(table, column));
  }
  return out;
}

function columnOf(output: Output, index: number): Deps | undefined {
  if ("any" in output) return output.any;
  return Number.isInteger(index) ? output.columns[index] : undefined;
}

function allOf(output: Output): Deps {
  return "any" in output ? output.any : union(...output.columns);
}

/** The child's columns at the positions of `map` (all of them, in order, when it is empty). */
function projected(output: Output, map: unknown[]): Output {
  if (map.length === 0 || "any" in output) return output;
  return { columns: map.map((i) => output.columns[Number(i)] ?? allOf(output)) };
}

function concatenated(a: Output, b: Output): Output {
  if ("any" in a || "any" in b) return { any: union(allOf(a), allOf(b)) };
  return { columns: [...a.columns, ...b.columns] };
}

/** Set operations: each column is the same position of both sides. */
function zipped(a: Output, b: Output): Output {
  if ("any" in a || "any" in b || a.columns.length !== b.columns.length) {
    return { any: union(allOf(a), allOf(b)) };
  }
  return { columns: a.columns.map((c, i) => union(c, b.columns[i] ?? new Set<string>())) };
}

function sameOutput(a: Output, b: Output): boolean {
  const as = "any" in a ? [a.any] : a.columns;
  const bs = "any" in b ? [b.any] : b.columns;
  return "any" in a === "any" in b && as.length === bs.length && as.every((s, i) => s.size === bs[i]?.size);
}

function sourcesOf(deps: Deps): LineageSource[] {
  return [...deps].sort().map((k) => {
    const [table = "", column = ""] = k.split("\u0000");
    return { table, column };
  });
}

/**
 * The lineage in a serialized unoptimized plan (json_serialize_plan with optimize := false) whose
 * result has these column names. A result column named twice gets the sources of both.
 */
export function lineageOfPlan(doc: unknown, names: readonly string[]): LineageResult {
  const plans = isNode(doc) ? list(doc.plans).filter(isNode) : [];
  const root = plans[0];
  if (plans.length !== 1 || !root) return { ok: false, reason: "the plan has no single tree" };
  const walker = new LineageWalker(root);
  const output = walker.output(root);
  const byName = new Map<string, Deps>();
  names.forEach((name, i) => {
    const known =
      "columns" in output && output.columns.length === names.length ? output.columns[i] : undefined;
    const deps = known ?? ("any" in output ? output.any : walker.everything);
    byName.set(name, union(byName.get(name) ?? new Set(), deps));
  });
  return {
    ok: true,
    lineage: { columns: [...byName].map(([name, deps]) => ({ name, sources: sourcesOf(deps) })) },
  };
}

/**
 * The lineage of `sql` over tables with these columns (planned by DuckDB, never run); not ok, with
 * DuckDB's reason, when the definition cannot be planned over them.
 */
export async function columnLineage(sql: string, tables: readonly PlannerTable[]): Promise<LineageResult> {
  try {
    const { plan, columns } = await logicalPlanOverTables(sql, tables);
    return lineageOfPlan(plan, columns);
  } catch (err) {
    return { ok: false, reason: errorMessage(err) };
  }
}

/**
 * Lineage remembered by definition and input columns (access policies read it on every query of an
 * analytics table): the most recently used `max` answers are kept.
 */
export class ColumnLineageCache {
  private readonly entries = new Map<string, Promise<LineageResult>>();

  constructor(
    private readonly max = 256,
    private readonly compute: typeof columnLineage = columnLineage,
  ) {}

  get(sql: string, tables: readonly PlannerTable[]): Promise<LineageResult> {
    const shape = [...tables]
      .map((t) => ({ name: t.name.toLowerCase(), columns: t.columns.map((c) => [c.name, c.type]) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const key = JSON.stringify([sql, shape]);
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const computed = this.compute(sql, tables);
    this.entries.set(key, computed);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return computed;
  }
}
