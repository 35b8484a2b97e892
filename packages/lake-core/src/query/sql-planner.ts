// SQL parsed and planned without data, on one DuckDB connection that reads no file: a query's parse
// tree (json_serialize_sql), its optimized plan over empty tables shaped like the catalog's
// (parameters given their values), which shows the columns and pushed-down filters each scan would
// have over the real files, and its unoptimized logical plan with its result's column names (what
// each result column is computed from).

import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { parseDuckDbJson } from "../adapters/duckdb-json";
import { type PlannedScan, planScans } from "../adapters/duckdb-plan-scans";
import { planningSql } from "../adapters/duckdb-planning-sql";
import { prepareConnection, sqlIdent } from "../adapters/duckdb-sql";
import { hyphenHint } from "../adapters/sql-text";
import { errorMessage, InletError } from "../errors";
import type { ColumnSpec } from "../ports/catalog";
import { isSqlNode, lineAndColumn, type SqlNode } from "./sql-tree";

// One connection for the process, used by one call at a time: parsing and planning read no files;
// the only state it keeps is sql-planner.ts's empty tables.
let planner: Promise<DuckDBConnection> | undefined;
let queue: Promise<unknown> = Promise.resolve();

function plannerConnection(): Promise<DuckDBConnection> {
  planner ??= (async () => {
    const instance = await DuckDBInstance.create(":memory:", {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      threads: "1",
    });
    const connection = await instance.connect();
    await prepareConnection(connection);
    // The tables are empty: with statistics DuckDB would plan every scan away as reading nothing.
    await connection.run("SET disabled_optimizers = 'statistics_propagation'");
    await connection.run("SET enable_external_access = false");
    await connection.run("SET lock_configuration = true");
    return connection;
  })();
  return planner;
}

/** Runs `work` on the planner connection once the calls before it are done. */
export function onPlannerConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const run = queue.then(async () => work(await plannerConnection()));
  queue = run.catch(() => undefined);
  return run;
}

// json_serialize_sql's answer depends on the SQL text alone: the same text is parsed once per run
// (then again to estimate it) and again as one types or runs it again. Kept as text, so each caller
// gets a tree of its own.
const PARSED_TEXTS = 256;
const PARSED_TEXT_MAX_CHARS = 100_000;
const parsedTexts = new Map<string, string>();

async function serializedSql(sql: string): Promise<unknown> {
  const known = parsedTexts.get(sql);
  if (known !== undefined) {
    parsedTexts.delete(sql);
    parsedTexts.set(sql, known);
    return known;
  }
  const text = await onPlannerConnection(async (connection) => {
    const reader = await connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [sql]);
    return reader.getRowsJson()[0]?.[0];
  });
  if (typeof text === "string" && sql.length <= PARSED_TEXT_MAX_CHARS) {
    parsedTexts.set(sql, text);
    while (parsedTexts.size > PARSED_TEXTS) parsedTexts.delete(parsedTexts.keys().next().value as string);
  }
  return text;
}

/**
 * The single statement of `sql` as DuckDB's parse tree (the `node` of its one statement, with
 * `named_param_map` beside it). A syntax error is a BAD_REQUEST with its line and column.
 */
export async function parseSql(sql: string): Promise<SqlNode> {
  let text: unknown;
  try {
    text = await serializedSql(sql);
  } catch (err) {
    throw new InletError("INTERNAL", `cannot parse SQL: ${errorMessage(err)}`);
  }
  if (typeof text !== "string") throw new InletError("INTERNAL", "json_serialize_sql returned nothing");
  const doc = parseDuckDbJson(text);
  if (!isSqlNode(doc)) throw new InletError("INTERNAL", "unexpected json_serialize_sql output");
  if (doc.error === true) {
    const message = typeof doc.error_message === "string" ? doc.error_message : "cannot parse the query";
    const position = Number(doc.position);
    if (doc.error_type === "parser" && Number.isFinite(position)) {
      const { line, column } = lineAndColumn(sql, position, "characters");
      throw new InletError("BAD_REQUEST", `${message} (line ${line}, column ${column})${hyphenHint(sql)}`, {
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

const tableShapes = new Map<string, string>();

/** A table to plan over: its name as SQL writes it (schema.table) and its columns. */
export interface PlannerTable {
  name: string;
  columns: ColumnSpec[];
}

const NAME_PART = /^[A-Za-z_][A-Za-z0-9_-]*$/;
// Column types come from the catalog; refuse anything that could end the column list early.
const SAFE_TYPE = /^[A-Za-z0-9_ ,()[\]"]+$/;

async function ensureTable(connection: DuckDBConnection, table: PlannerTable): Promise<void> {
  const parts = table.name.split(".");
  if (parts.length > 2 || parts.some((p) => !NAME_PART.test(p))) {
    throw new InletError("INTERNAL", `invalid table name: "${table.name}"`);
  }
  const shape = JSON.stringify(table.columns);
  if (tableShapes.get(table.name.toLowerCase()) === shape) return;
  const [schema, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : ["main", parts[0]!];
  const columns = table.columns.filter((c) => c.name.length > 0 && SAFE_TYPE.test(c.type));
  // A table with no known columns still needs one to exist; nothing can name it.
  const list =
    columns.length > 0
      ? columns.map((c) => `${sqlIdent(c.name)} ${c.type}`).join(", ")
      : '"__no_columns" INTEGER';
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${sqlIdent(schema)}`);
  await connection.run(`CREATE OR REPLACE TABLE ${sqlIdent(schema)}.${sqlIdent(name)} (${list})`);
  tableShapes.set(table.name.toLowerCase(), shape);
}

/**
 * The scans of `sql` planned and optimized by DuckDB over empty tables with the given columns (each
 * scan's `table` is its lower-case schema.table), its `$name` parameters given the values in `params`. A binder error (an unknown column, a type
 * mismatch) is a BAD_REQUEST with DuckDB's message.
 */
export function planOverTables(
  sql: string,
  tables: readonly PlannerTable[],
  params?: Record<string, unknown>,
): Promise<PlannedScan[]> {
  return onPlannerConnection(async (connection) => {
    for (const table of tables) await ensureTable(connection, table);
    return planScans(connection, await planningSql(connection, sql, params));
  });
}

/** A query's logical plan as DuckDB binds it, before any optimizer runs, and its result's column names. */
export interface LogicalPlan {
  /** json_serialize_plan's document (its `plans` hold one tree). */
  plan: unknown;
  /** The result's column names, in order, as the query would return them. */
  columns: string[];
}

/**
 * The unoptimized logical plan of `sql` over empty tables with the given columns, and its result's
 * column names (the statement is prepared, never run). A binder error is a BAD_REQUEST with DuckDB's
 * message; a plan DuckDB cannot serialize is an INTERNAL error.
 */
export function logicalPlanOverTables(sql: string, tables: readonly PlannerTable[]): Promise<LogicalPlan> {
  return onPlannerConnection(async (connection) => {
    for (const table of tables) await ensureTable(connection, table);
    let text: unknown;
    let columns: string[];
    try {
      const reader = await connection.runAndReadAll(
        "SELECT json_serialize_plan($1::VARCHAR, optimize := false)",
        [sql],
      );
      text = reader.getRowsJson()[0]?.[0];
      const prepared = await connection.prepare(sql);
      columns = Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i));
      prepared.destroySync();
    } catch (err) {
      throw new InletError("BAD_REQUEST", errorMessage(err), { field: "sql" });
    }
    if (typeof text !== "string") throw new InletError("INTERNAL", "json_serialize_plan returned nothing");
    const plan = parseDuckDbJson(text);
    if (isSqlNode(plan) && plan.error === true) {
      const message = typeof plan.error_message === "string" ? plan.error_message : "cannot plan the query";
      throw new InletError("INTERNAL", `cannot plan the query: ${message}`);
    }
    return { plan, columns };
  });
}
