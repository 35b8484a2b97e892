// The SQL a query is planned with to learn what it scans (never run): its `$name` parameters written
// in as typed literals, since DuckDB's planner (json_serialize_plan) takes no parameter values and
// could not push `dt = $day` into a scan without them; and its LIMITs dropped, since DuckDB 1.5.6
// cannot serialize a plan its late-materialization rewrite of ORDER BY … LIMIT produced ("Failed to
// bind column reference"), while a LIMIT does not change which columns and row groups a full scan reads.
import type { DuckDBConnection } from "@duckdb/node-api";
import { isJsonNode as isNode, type JsonNode, walkJson as walk } from "../json/json-tree";
import { parseDuckDbJson, stringifyDuckDbJson } from "./duckdb-json";
import { sqlString } from "./duckdb-sql";

function numberLiteral(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  // As the engine binds them: whole numbers as BIGINT, others as DOUBLE.
  return Number.isSafeInteger(n) ? `CAST(${n} AS BIGINT)` : `CAST(${n} AS DOUBLE)`;
}

function scalarLiteral(v: unknown): string | undefined {
  if (typeof v === "number") return numberLiteral(v);
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (typeof v === "string") return sqlString(v);
  return undefined;
}

/**
 * A parameter value as a SQL literal of the type the engine binds it with: typed ({ type: "date" |
 * "number" | "text" | "list", value }) or bare (a string, number, boolean or list of them). Undefined
 * for anything else, which then stays a parameter.
 */
export function parameterLiteral(input: unknown): string | undefined {
  const typed = isNode(input) && typeof input.type === "string" && "value" in input;
  const type = typed ? input.type : undefined;
  const value: unknown = typed ? input.value : input;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    if (value.every((v) => typeof v === "number")) {
      const items = value.map(numberLiteral);
      if (items.some((i) => i === undefined)) return undefined;
      const whole = value.every(Number.isSafeInteger);
      return `CAST([${value.join(", ")}] AS ${whole ? "BIGINT" : "DOUBLE"}[])`;
    }
    const items = value.map(scalarLiteral);
    return items.every((i) => i !== undefined) ? `[${items.join(", ")}]` : undefined;
  }
  if (type === "date") {
    return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? `DATE ${sqlString(value)}`
      : undefined;
  }
  return scalarLiteral(value);
}

async function serialized(connection: DuckDBConnection, sql: string): Promise<JsonNode | undefined> {
  const reader = await connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [sql]);
  const doc = parseDuckDbJson(String(reader.getRowsJson()[0]?.[0]));
  return isNode(doc) && doc.error !== true && Array.isArray(doc.statements) ? doc : undefined;
}

const LIMITS = new Set(["LIMIT_MODIFIER", "LIMIT_PERCENT_MODIFIER"]);

/**
 * `sql` as it is planned to learn what it scans: every parameter that has a value in `params` (by
 * name, any case) replaced by that value as a literal, and every LIMIT dropped. `sql` itself when
 * there is nothing to change or it does not parse (planning it then reports the problem).
 */
export async function planningSql(
  connection: DuckDBConnection,
  sql: string,
  params: Record<string, unknown> | undefined,
): Promise<string> {
  try {
    return await rewritten(connection, sql, params);
  } catch {
    // A text DuckDB cannot take apart and put back together is planned as written.
    return sql;
  }
}

async function rewritten(
  connection: DuckDBConnection,
  sql: string,
  params: Record<string, unknown> | undefined,
): Promise<string> {
  const hasParams = params !== undefined && Object.keys(params).length > 0 && sql.includes("$");
  if (!hasParams && !/\blimit\b/i.test(sql)) return sql;
  const doc = await serialized(connection, sql);
  if (!doc) return sql;
  const byName = new Map(Object.entries(params ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const used: { node: JsonNode; literal: string }[] = [];
  let limits = 0;
  for (const node of walk(doc.statements)) {
    if (Array.isArray(node.modifiers)) {
      limits += node.modifiers.filter((m) => isNode(m) && LIMITS.has(String(m.type))).length;
    }
    if (node.class !== "PARAMETER") continue;
    const literal = parameterLiteral(byName.get(String(node.identifier).toLowerCase()));
    if (literal !== undefined) used.push({ node, literal });
  }
  if (used.length === 0 && limits === 0) return sql;
  let selectList: unknown[] = [];
  if (used.length > 0) {
    const literals = await serialized(connection, `SELECT ${used.map((u) => u.literal).join(", ")}`);
    const statements = literals?.statements as unknown[] | undefined;
    const first = statements?.[0];
    const list = isNode(first) && isNode(first.node) ? first.node.select_list : undefined;
    if (!Array.isArray(list) || list.length !== used.length) return sql;
    selectList = list;
  }
  const replacements = new Map<JsonNode, unknown>(used.map((u, i) => [u.node, selectList[i]]));
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (!isNode(value)) return value;
    if (replacements.has(value)) return replacements.get(value);
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === "modifiers" && Array.isArray(v)
          ? v.filter((m) => !(isNode(m) && LIMITS.has(String(m.type)))).map(rewrite)
          : rewrite(v),
      ]),
    );
  };
  const text = stringifyDuckDbJson(rewrite(doc));
  const reader = await connection.runAndReadAll("SELECT json_deserialize_sql($1::JSON)", [text]);
  return String(reader.getRowsJson()[0]?.[0]);
}
