// The second layer of the query boundary: the bound plan of a reader's SQL (json_serialize_plan, as
// DuckDB bound it on the locked instance, views expanded) is checked, whatever its text looked like.
// Every step must be a read-only query operator; every scan must be either a row generator or a
// read_parquet of exactly the files of one bound table; and a table the reader's policies restrict
// must be read through its secure relation — its row filter directly over the scan, then its
// projection (denied columns absent, masked and hashed ones transformed) — so the raw values never
// reach anything else. A scan wrapped any other way (the files read directly, a view re-created, a
// table hidden in query()) is refused, even when the parse-tree check (duckdb-sql-guard.ts) missed it.
import type { DuckDBConnection } from "@duckdb/node-api";
import { errorMessage, InletError } from "../errors";
import { isJsonNode as isNode, type JsonNode } from "../json/json-tree";
import { parseDuckDbJson, stringifyDuckDbJson } from "./duckdb-json";

/** Plan steps a read-only query may have. */
const QUERY_OPERATORS = new Set([
  "LOGICAL_PROJECTION",
  "LOGICAL_FILTER",
  "LOGICAL_AGGREGATE_AND_GROUP_BY",
  "LOGICAL_WINDOW",
  "LOGICAL_UNNEST",
  "LOGICAL_LIMIT",
  "LOGICAL_ORDER_BY",
  "LOGICAL_TOP_N",
  "LOGICAL_DISTINCT",
  "LOGICAL_SAMPLE",
  "LOGICAL_PIVOT",
  "LOGICAL_COMPARISON_JOIN",
  "LOGICAL_ANY_JOIN",
  "LOGICAL_CROSS_PRODUCT",
  "LOGICAL_POSITIONAL_JOIN",
  "LOGICAL_ASOF_JOIN",
  "LOGICAL_DELIM_JOIN",
  "LOGICAL_DEPENDENT_JOIN",
  "LOGICAL_UNION",
  "LOGICAL_EXCEPT",
  "LOGICAL_INTERSECT",
  "LOGICAL_RECURSIVE_CTE",
  "LOGICAL_MATERIALIZED_CTE",
  "LOGICAL_CTE_REF",
  "LOGICAL_DELIM_GET",
  "LOGICAL_DUMMY_SCAN",
  "LOGICAL_EMPTY_RESULT",
  "LOGICAL_EXPRESSION_GET",
  "LOGICAL_CHUNK_GET",
  "LOGICAL_GET",
]);

/** Table functions that compute rows and read nothing. */
const GENERATORS = new Set(["range", "generate_series", "unnest", "json_each", "json_tree"]);

/** Joins through which a secure relation's projection may sit above its scan (decorrelated subqueries). */
const PASS_THROUGH = new Set(["LOGICAL_CROSS_PRODUCT", "LOGICAL_DELIM_JOIN", "LOGICAL_COMPARISON_JOIN"]);

/** How a restricted table's scan must be wrapped: its filter (if any), then its projection. */
export interface SecureShape {
  filter: string[] | undefined;
  projection: string[];
}

/** A bound table as the plan check knows it: its files, and its secure shape when restricted. */
export interface GuardedRelation {
  name: string;
  files: readonly string[];
  shape: SecureShape | undefined;
}

function refuse(message: string): InletError {
  return new InletError("BAD_REQUEST", message, { field: "sql", refused: "plan" });
}

/** An expression as compared: its JSON without the places it was written at. */
function canonical(value: unknown): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!isNode(v)) return v;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== "query_location")
        .map(([k, x]) => [k, strip(x)]),
    );
  };
  return stringifyDuckDbJson(strip(value));
}

function expressionsOf(node: JsonNode): unknown[] {
  return Array.isArray(node.expressions) ? node.expressions : [];
}

function childrenOf(node: JsonNode): JsonNode[] {
  return Array.isArray(node.children) ? node.children.filter(isNode) : [];
}

/** The serialized, unoptimized plan of one statement; a statement with no plan is refused. */
export async function boundPlan(connection: DuckDBConnection, sql: string): Promise<JsonNode> {
  let text: unknown;
  try {
    const reader = await connection.runAndReadAll("SELECT json_serialize_plan($1::VARCHAR)", [sql]);
    text = reader.getRowsJson()[0]?.[0];
  } catch (err) {
    throw new InletError("BAD_REQUEST", errorMessage(err), { field: "sql" });
  }
  const doc = typeof text === "string" ? parseDuckDbJson(text) : undefined;
  if (!isNode(doc)) throw new InletError("INTERNAL", "json_serialize_plan returned nothing");
  if (doc.error === true) {
    const message = typeof doc.error_message === "string" ? doc.error_message : "the query cannot be planned";
    const type = typeof doc.error_type === "string" ? doc.error_type : "";
    if (type === "not implemented") {
      throw refuse(`The query's plan cannot be checked against the access policies (${message})`);
    }
    throw new InletError("BAD_REQUEST", message, { field: "sql", planError: type });
  }
  const plans = Array.isArray(doc.plans) ? doc.plans.filter(isNode) : [];
  if (plans.length !== 1) throw refuse("Only one read-only SELECT query can run");
  return plans[0]!;
}

/** The secure shape of a restricted table: how its own view wraps its scan. */
export async function secureShapeOf(
  connection: DuckDBConnection,
  viewName: string,
): Promise<SecureShape | undefined> {
  const plan = await boundPlan(connection, `SELECT * FROM ${viewName}`);
  let found: SecureShape | undefined;
  const visit = (node: JsonNode, ancestors: JsonNode[]) => {
    if (node.type === "LOGICAL_GET") {
      const parent = ancestors[ancestors.length - 1];
      const hasFilter = parent?.type === "LOGICAL_FILTER";
      const projection = ancestors[ancestors.length - (hasFilter ? 2 : 1)];
      if (projection?.type === "LOGICAL_PROJECTION") {
        found = {
          filter: hasFilter && parent ? expressionsOf(parent).map(canonical) : undefined,
          projection: expressionsOf(projection).map(canonical),
        };
      }
      return;
    }
    for (const child of childrenOf(node)) visit(child, [...ancestors, node]);
  };
  visit(plan, []);
  return found;
}

/** The lowest column a BOUND_REF anywhere in these expressions points at. */
function minRefIndex(expressions: unknown[]): number {
  let min = Number.POSITIVE_INFINITY;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isNode(v)) {
      if (v.type === "BOUND_REF" && typeof v.index === "number") min = Math.min(min, v.index);
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(expressions);
  return min;
}

function sameFiles(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((f) => set.has(f));
}

/** How many columns a scan gives the steps above it. */
function scanWidth(get: JsonNode): number {
  return Array.isArray(get.column_indexes) ? get.column_indexes.length : 0;
}

/** Whether `get` (under `ancestors`, nearest last) is wrapped in `shape` exactly. */
function wrapped(shape: SecureShape, get: JsonNode, ancestors: JsonNode[]): boolean {
  let i = ancestors.length - 1;
  let below: JsonNode = get;
  if (shape.filter) {
    const filter = ancestors[i];
    if (filter?.type !== "LOGICAL_FILTER" || childrenOf(filter)[0] !== below) return false;
    const got = expressionsOf(filter).map(canonical);
    if (got.length !== shape.filter.length || got.some((e, k) => e !== shape.filter![k])) return false;
    below = filter;
    i -= 1;
  }
  // A decorrelated subquery may put a join between the filter and the projection, the scan's side
  // first: the projection then also carries the other side's columns, which come after the scan's.
  let joined = false;
  while (ancestors[i] && PASS_THROUGH.has(String(ancestors[i]!.type))) {
    const join = ancestors[i]!;
    if (childrenOf(join)[0] !== below) return false;
    joined = true;
    below = join;
    i -= 1;
  }
  const projection = ancestors[i];
  if (projection?.type !== "LOGICAL_PROJECTION" || childrenOf(projection)[0] !== below) return false;
  const got = expressionsOf(projection);
  if (got.length < shape.projection.length || (!joined && got.length !== shape.projection.length))
    return false;
  for (let k = 0; k < shape.projection.length; k += 1)
    if (canonical(got[k]) !== shape.projection[k]) return false;
  // Extra columns may only be the other side's: they point past every column the scan's side gives.
  const extra = got.slice(shape.projection.length);
  return extra.length === 0 || minRefIndex(extra) >= scanWidth(get);
}

/**
 * Checks a bound plan against the bound tables: read-only steps only, every scan a generator or a read
 * of exactly one table's files, every restricted table's scan inside its secure relation.
 */
export function checkBoundPlan(plan: JsonNode, relations: readonly GuardedRelation[]): void {
  const visit = (node: JsonNode, ancestors: JsonNode[]) => {
    const type = String(node.type);
    if (!QUERY_OPERATORS.has(type)) {
      throw refuse(
        `Only a read-only SELECT query can run (its plan has a ${type.replace(/^LOGICAL_/, "")} step)`,
      );
    }
    if (type === "LOGICAL_GET") {
      const name = String(node.name ?? "").toLowerCase();
      if (GENERATORS.has(name)) return;
      const data = isNode(node.function_data) ? node.function_data : {};
      const files = Array.isArray(data.files) ? data.files.map(String) : [];
      const relation = name === "read_parquet" ? relations.find((r) => sameFiles(r.files, files)) : undefined;
      if (!relation) {
        throw refuse(
          `The query reads ${name === "read_parquet" ? "files" : `${name}()`} outside the tables it names: queries read the lake's tables by name (curated.x, analytics.y)`,
        );
      }
      if (relation.shape && !wrapped(relation.shape, node, ancestors)) {
        throw new InletError(
          "FORBIDDEN",
          `The query reads ${relation.name} around its access policy; read it by name, as ${relation.name}`,
          { field: "sql", refused: "plan", table: relation.name },
        );
      }
      return;
    }
    for (const child of childrenOf(node)) visit(child, [...ancestors, node]);
  };
  visit(plan, []);
}
