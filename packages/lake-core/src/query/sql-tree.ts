// DuckDB's parse tree of a SQL text (json_serialize_sql) as plain JSON: its nodes, and where an
// offset DuckDB reports stands in the text.
import { isJsonNode, type JsonNode, walkJson } from "../json/json-tree";

export type SqlNode = JsonNode;

export const isSqlNode = isJsonNode;

/** Every object node of the tree, depth first. */
export const walkSql = walkJson;

/**
 * 1-based line and column of a 0-based offset into `sql`. DuckDB counts a node's query_location in
 * UTF-8 bytes but a parser error's position in characters (code points): say which.
 */
export function lineAndColumn(
  sql: string,
  offset: number,
  unit: "bytes" | "characters" = "bytes",
): { line: number; column: number } {
  const before =
    unit === "bytes"
      ? Buffer.from(sql, "utf8").subarray(0, Math.max(0, offset)).toString("utf8")
      : Array.from(sql).slice(0, Math.max(0, offset)).join("");
  const lines = before.split("\n");
  return { line: lines.length, column: Array.from(lines[lines.length - 1] ?? "").length + 1 };
}
