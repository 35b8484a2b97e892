// DuckDB's parse tree of a SQL text (json_serialize_sql), without binding or running anything.
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { errorMessage, InletError } from "../errors";

export type SqlNode = { [key: string]: unknown };

export function isSqlNode(value: unknown): value is SqlNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every object node of the tree, depth first. */
export function* walkSql(value: unknown): Generator<SqlNode> {
  if (Array.isArray(value)) {
    for (const item of value) yield* walkSql(item);
  } else if (isSqlNode(value)) {
    yield value;
    for (const child of Object.values(value)) yield* walkSql(child);
  }
}

/** 1-based line and column of a 0-based offset into the UTF-8 bytes of `sql` (DuckDB counts bytes). */
export function lineAndColumn(sql: string, byteOffset: number): { line: number; column: number } {
  const bytes = Buffer.from(sql, "utf8");
  const before = bytes.subarray(0, Math.max(0, Math.min(byteOffset, bytes.length))).toString("utf8");
  const lines = before.split("\n");
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

// One parser connection for the process: parsing reads no files and keeps no state between calls.
let parser: Promise<DuckDBConnection> | undefined;

function parserConnection(): Promise<DuckDBConnection> {
  parser ??= (async () => {
    const instance = await DuckDBInstance.create(":memory:", {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      threads: "1",
    });
    const connection = await instance.connect();
    await connection.run("SET enable_external_access = false");
    await connection.run("SET lock_configuration = true");
    return connection;
  })();
  return parser;
}

/**
 * The single statement of `sql` as DuckDB's parse tree (the `node` of its one statement, with
 * `named_param_map` beside it). A syntax error is a BAD_REQUEST with its line and column.
 */
export async function parseSql(sql: string): Promise<SqlNode> {
  const connection = await parserConnection();
  let text: unknown;
  try {
    const reader = await connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [sql]);
    text = reader.getRowsJson()[0]?.[0];
  } catch (err) {
    throw new InletError("INTERNAL", `cannot parse SQL: ${errorMessage(err)}`);
  }
  if (typeof text !== "string") throw new InletError("INTERNAL", "json_serialize_sql returned nothing");
  const doc: unknown = JSON.parse(text);
  if (!isSqlNode(doc)) throw new InletError("INTERNAL", "unexpected json_serialize_sql output");
  if (doc.error === true) {
    const message = typeof doc.error_message === "string" ? doc.error_message : "cannot parse the query";
    const position = Number(doc.position);
    if (doc.error_type === "parser" && Number.isFinite(position)) {
      const { line, column } = lineAndColumn(sql, position);
      throw new InletError("BAD_REQUEST", `${message} (line ${line}, column ${column})`, {
        field: "sql",
        line,
        column,
      });
    }
    throw new InletError("BAD_REQUEST", `only a read-only SELECT query can be estimated (${message})`, {
      field: "sql",
    });
  }
  const statements = Array.isArray(doc.statements) ? doc.statements : [];
  if (statements.length !== 1 || !isSqlNode(statements[0])) {
    throw new InletError("BAD_REQUEST", `exactly one SQL statement is allowed, got ${statements.length}`, {
      field: "sql",
    });
  }
  return statements[0];
}
