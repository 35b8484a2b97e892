// Inspects analyst SQL (DuckDB's own parse tree) so it can reach only the bound tables, never files.

import { InletError } from "../errors";

/**
 * Table functions that compute rows without reading anything. Every other table function is
 * refused: read_parquet, read_csv, glob, query, query_table … could read the bound tables' files
 * directly (which allowed_paths must permit for the views), bypassing the policy-shaped views.
 */
const ALLOWED_TABLE_FUNCTIONS = new Set(["range", "generate_series", "unnest", "json_each", "json_tree"]);

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface BoundTableName {
  /** Lower-cased schema ("main" for unqualified bindings). */
  schema: string;
  /** Lower-cased table name. */
  table: string;
}

type JsonNode = { [key: string]: unknown };

function isNode(value: unknown): value is JsonNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function* walk(value: unknown): Generator<JsonNode> {
  if (Array.isArray(value)) {
    for (const item of value) yield* walk(item);
  } else if (isNode(value)) {
    yield value;
    for (const child of Object.values(value)) yield* walk(child);
  }
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/**
 * Checks a json_serialize_sql() document and returns the indexes (into `tables`) of the bound
 * tables the statement references. Throws BAD_REQUEST for anything it does not recognise as safe.
 */
export function checkSerializedQuery(serialized: string, tables: BoundTableName[]): Set<number> {
  const doc: unknown = JSON.parse(serialized);
  if (!isNode(doc)) throw new InletError("INTERNAL", "unexpected json_serialize_sql output");
  if (doc.error === true) {
    const message = str(doc.error_message);
    if (str(doc.error_type) === "parser") throw new InletError("BAD_REQUEST", `Parser Error: ${message}`);
    throw new InletError("BAD_REQUEST", `only a read-only SELECT query is allowed (${message})`);
  }

  const cteNames = new Set<string>();
  for (const node of walk(doc)) {
    const cteMap = node.cte_map;
    if (isNode(cteMap) && Array.isArray(cteMap.map)) {
      for (const entry of cteMap.map) if (isNode(entry)) cteNames.add(str(entry.key).toLowerCase());
    }
  }

  const referenced = new Set<number>();
  const available = tables.map((t) => (t.schema === "main" ? t.table : `${t.schema}.${t.table}`)).join(", ");

  const checkTable = (catalog: string, schema: string, table: string): void => {
    const name = schema ? `${schema}.${table}` : table;
    if (catalog !== "" && catalog.toLowerCase() !== "memory") {
      throw new InletError(
        "BAD_REQUEST",
        `unknown table ${catalog}.${name}; available: ${available || "none"}`,
      );
    }
    const s = schema.toLowerCase();
    const t = table.toLowerCase();
    if (s === "" && PLAIN_IDENTIFIER.test(table) && cteNames.has(t)) return;
    const index = tables.findIndex(
      (b) => b.table === t && (b.schema === s || (s === "" && b.schema === "main")),
    );
    if (index < 0) {
      throw new InletError("BAD_REQUEST", `unknown table ${name}; available: ${available || "none"}`);
    }
    referenced.add(index);
  };

  for (const node of walk(doc)) {
    const type = node.type;
    if (type === "BASE_TABLE") {
      checkTable(str(node.catalog_name), str(node.schema_name), str(node.table_name));
    } else if (type === "SHOW_REF" && str(node.table_name) !== "") {
      checkTable(str(node.catalog_name), str(node.schema_name), str(node.table_name));
    } else if (type === "TABLE_FUNCTION") {
      const fn = isNode(node.function) ? node.function : {};
      const name = str(fn.function_name).toLowerCase();
      const qualified = str(fn.schema) !== "" || str(fn.catalog) !== "";
      if (qualified || !ALLOWED_TABLE_FUNCTIONS.has(name)) {
        throw new InletError(
          "BAD_REQUEST",
          `table function ${name || "(unknown)"}() is not allowed; query the lake's tables by name`,
        );
      }
    }
  }
  return referenced;
}
