// Inspects analyst SQL (DuckDB's own parse tree) so it can only read the lake's tables by name and
// compute from their rows: one read-only SELECT, only allowlisted functions, no file, URL, setting or
// environment reachable. Every refusal says what and why.

import { InletError } from "../errors";
import { isJsonNode as isNode, type JsonNode, walkJson as walk } from "../json/json-tree";
import { ALLOWED_FUNCTIONS, PARSER_QUALIFIED_FUNCTIONS } from "./duckdb-function-allowlist";
import { parseDuckDbJson } from "./duckdb-json";
import { hyphenHint } from "./sql-text";

/**
 * Table functions that compute rows without reading anything. Every other table function is
 * refused: read_parquet, read_csv, glob, query, query_table … could read the bound tables' files
 * directly (which allowed_paths must permit for the views), bypassing the policy-shaped views.
 */
const ALLOWED_TABLE_FUNCTIONS = new Set(["range", "generate_series", "unnest", "json_each", "json_tree"]);

/**
 * Why some functions are not on the allowlist (duckdb-function-allowlist.ts), for a refusal that says
 * more than that: what each would reach past the rows a query reads.
 */
const REFUSED_FUNCTIONS: Record<string, string> = {
  getenv: "reads the server's environment variables",
  current_setting: "reads the engine's settings",
  getvariable: "reads the engine's variables",
  current_query: "returns the SQL text as the engine runs it",
  stats: "reads the engine's statistics of a column",
  json_serialize_sql: "turns SQL text into the engine's parse tree",
  json_deserialize_sql: "turns the engine's parse tree into SQL text",
  json_serialize_plan: "shows the engine's plan, with the paths of the files it reads",
  nextval: "reads and changes sequences in the engine's catalog",
  currval: "reads sequences in the engine's catalog",
  setseed: "changes the engine's random numbers for the session",
  sleep_ms: "holds the engine without computing anything",
  pg_sleep: "holds the engine without computing anything",
  write_log: "writes to the engine's log",
};

/** Functions about the engine's catalog and internals, PostgreSQL's compatibility ones included. */
const CATALOG_FUNCTION =
  /^(duckdb_|pragma_|pg_|has_\w+_privilege$|(col|obj|shobj)_description$|format_(pg_)?type$|map_to_pg_oid$|inet_(client|server)_(addr|port)$|get_block_size$|in_search_path$)/;

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A table name that is really a file or URL DuckDB would read by itself (a replacement scan). */
const FILE_LIKE =
  /[/\\~:]|\.(csv|tsv|txt|parquet|json|jsonl|ndjson|gz|zst|zstd|xlsx|arrow|db|duckdb|sqlite|avro)$/i;

/** What each kind of statement other than a SELECT would do, for the refusal's message. */
const STATEMENT_REASONS: Record<string, string> = {
  COPY: "it reads or writes files; download a result as CSV instead",
  ATTACH: "it opens another database or file",
  DETACH: "it changes which databases are open",
  INSTALL: "it installs extensions into the engine",
  LOAD: "it loads extensions into the engine",
  FORCE: "it installs extensions into the engine",
  PRAGMA: "it reads or changes the engine's settings",
  SET: "it changes the engine's settings, which are fixed for every query",
  RESET: "it changes the engine's settings, which are fixed for every query",
  EXPORT: "it writes the database to files",
  IMPORT: "it reads a database from files",
  CALL: "it runs a table function, which can read files or settings",
  USE: "it changes the default database or schema",
  CREATE: "queries are read-only",
  INSERT: "queries are read-only",
  UPDATE: "queries are read-only",
  DELETE: "queries are read-only",
  DROP: "queries are read-only",
  ALTER: "queries are read-only",
  TRUNCATE: "queries are read-only",
  MERGE: "queries are read-only",
  UPSERT: "queries are read-only",
  REPLACE: "queries are read-only",
  COMMENT: "queries are read-only",
  VACUUM: "queries are read-only",
  CHECKPOINT: "queries are read-only",
  ANALYZE: "queries are read-only",
  BEGIN: "each query runs on its own; transactions do not apply",
  START: "each query runs on its own; transactions do not apply",
  COMMIT: "each query runs on its own; transactions do not apply",
  ROLLBACK: "each query runs on its own; transactions do not apply",
  ABORT: "each query runs on its own; transactions do not apply",
  END: "each query runs on its own; transactions do not apply",
  PREPARE: "parameters are written {{name}} and bound for you",
  EXECUTE: "parameters are written {{name}} and bound for you",
  DEALLOCATE: "parameters are written {{name}} and bound for you",
  EXPLAIN: "it shows the engine's plan, with the paths of the files it reads",
  PIVOT: "the guard cannot inspect it; write it with GROUP BY and FILTER (WHERE …)",
  UNPIVOT: "the guard cannot inspect it; write it with UNION ALL",
};

export interface BoundTableName {
  /** Lower-cased schema ("main" for unqualified bindings). */
  schema: string;
  /** Lower-cased table name. */
  table: string;
}

/** A table the query names, as written, with where in the SQL (a byte offset) when DuckDB says. */
export interface TableReference {
  catalog: string;
  schema: string;
  table: string;
  offset: number | undefined;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** A node's byte offset into the SQL; DuckDB writes 2^64-1 when it has none. */
function offsetOf(node: JsonNode): number | undefined {
  const at = node.query_location;
  return typeof at === "number" && at >= 0 && at < 2 ** 53 ? at : undefined;
}

function refusal(message: string, construct: string, offset?: number): InletError {
  return new InletError("BAD_REQUEST", message, {
    field: "sql",
    refused: construct,
    ...(offset === undefined ? {} : { offset }),
  });
}

/** The statement's first keyword, past comments, whitespace and opening parentheses. */
export function leadingKeyword(sql: string): string {
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (/\s|\(/.test(ch)) i += 1;
    else if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else break;
  }
  return (/^[A-Za-z_]+/.exec(sql.slice(i))?.[0] ?? "").toUpperCase();
}

/** The refusal of a statement that is not a SELECT, saying what it is and why; undefined for others. */
export function refusedStatement(sql: string): InletError | undefined {
  const keyword = leadingKeyword(sql);
  const reason = STATEMENT_REASONS[keyword];
  if (!reason) return undefined;
  return refusal(`${keyword} is not allowed: ${reason}. Only a read-only SELECT query can run.`, keyword);
}

/** Edit distance of two names, for a suggestion when a refused name is a misspelt allowed one. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The allowed function nearest to a name not on the list, when it is likely what was meant. */
function suggestionFor(name: string): string | undefined {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) return undefined;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.min(2, Math.floor(name.length / 3)));
  for (const allowed of ALLOWED_FUNCTIONS) {
    if (Math.abs(allowed.length - name.length) > bestDistance) continue;
    const d = editDistance(name, allowed);
    if (d < bestDistance || (d === bestDistance && best === undefined)) {
      best = allowed;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The schemas and catalogs DuckDB's functions live in (a schema's place also takes a catalog:
 * `system.lower(x)` calls lower). A call qualified by one of them is refused; any other qualifier is
 * DuckDB's method syntax on a column or struct field (`status.upper()`, `o.status.upper()`), which the
 * parse tree writes the same way and DuckDB binds as upper(status).
 */
const FUNCTION_QUALIFIERS = new Set(["main", "pg_catalog", "information_schema", "system", "memory", "temp"]);

/** Whether a call names the schema or catalog of its function (but for the parser's own main.<name>). */
function qualifiedCall(name: string, schema: string, catalog: string): boolean {
  const s = schema.toLowerCase();
  const c = catalog.toLowerCase();
  if (!FUNCTION_QUALIFIERS.has(s) && !FUNCTION_QUALIFIERS.has(c)) return false;
  return !(s === "main" && c === "" && PARSER_QUALIFIED_FUNCTIONS.has(name));
}

/** The refusal of a function call that is not on the allowlist, or written with a schema or catalog. */
function functionRefusal(
  name: string,
  qualifier: { schema: string; catalog: string } | undefined,
  offset?: number,
): InletError {
  if (qualifier) {
    const written = [qualifier.catalog, qualifier.schema, name].filter((part) => part !== "").join(".");
    const known = ALLOWED_FUNCTIONS.has(name) ? `; call it as ${name}(…)` : "";
    return refusal(
      `The function ${written}() is not among the functions queries may use: a function is called by its name alone, without a schema or catalog${known}`,
      written,
      offset,
    );
  }
  const reason =
    REFUSED_FUNCTIONS[name] ??
    (CATALOG_FUNCTION.test(name)
      ? "reads the engine's catalog and internals"
      : /^(read_|parquet_)|^glob$|^query(_table)?$/.test(name)
        ? tableFunctionReason(name)
        : undefined);
  if (reason) {
    return refusal(`The function ${name}() is not allowed: it ${reason}`, name, offset);
  }
  const suggestion = suggestionFor(name);
  return refusal(
    `The function ${name}() is not among the functions queries may use${suggestion ? ` (did you mean ${suggestion}()?)` : ""}`,
    name,
    offset,
  );
}

function tableFunctionReason(name: string): string {
  if (/^(read_|parquet_|sniff_|iceberg_|delta_)|^glob$|_scan$/.test(name)) {
    return "reads files directly, around the lake's tables and their access rules; query the tables by name (curated.x, analytics.y)";
  }
  if (name === "query" || name === "query_table") return "runs SQL text the guard cannot inspect";
  if (/^(duckdb_|pragma_)|^which_secret$/.test(name)) return "shows the engine's settings and internals";
  return `is not one of the allowed table functions (${[...ALLOWED_TABLE_FUNCTIONS].join(", ")})`;
}

/**
 * Checks one statement's parse tree (the output of json_serialize_sql, or its one statement) and
 * returns the tables it names, CTEs left out. Refused, with what and why: a table function other
 * than the row generators, a file or URL read as a table, a function, aggregate, window function or
 * operator not on the allowlist (duckdb-function-allowlist.ts), a function named with the schema or
 * catalog of DuckDB's functions (but for those the parser itself writes as main.<name>).
 */
export function inspectQueryTree(tree: unknown): TableReference[] {
  const cteNames = new Set<string>();
  for (const node of walk(tree)) {
    const cteMap = node.cte_map;
    if (isNode(cteMap) && Array.isArray(cteMap.map)) {
      for (const entry of cteMap.map) if (isNode(entry)) cteNames.add(str(entry.key).toLowerCase());
    }
  }
  const tables: TableReference[] = [];
  const addTable = (node: JsonNode) => {
    const catalog = str(node.catalog_name);
    const schema = str(node.schema_name);
    const table = str(node.table_name);
    const offset = offsetOf(node);
    if (!catalog && !schema && PLAIN_IDENTIFIER.test(table) && cteNames.has(table.toLowerCase())) return;
    if (FILE_LIKE.test(table) || FILE_LIKE.test(schema)) {
      throw refusal(
        `Reading the file or URL '${schema ? `${schema}.` : ""}${table}' is not allowed: queries read the lake's tables by name (curated.x, analytics.y)`,
        "file",
        offset,
      );
    }
    tables.push({ catalog, schema, table, offset });
  };
  // A table function's own call is held to the table functions' list, not the functions' one.
  const tableFunctionCalls = new Set<JsonNode>();
  for (const node of walk(tree)) {
    const type = node.type;
    if (type === "BASE_TABLE") addTable(node);
    else if (type === "SHOW_REF" && str(node.table_name) !== "") addTable(node);
    else if (type === "TABLE_FUNCTION") {
      const fn = isNode(node.function) ? node.function : {};
      tableFunctionCalls.add(fn);
      const name = str(fn.function_name).toLowerCase();
      const qualified = str(fn.schema) !== "" || str(fn.catalog) !== "";
      if (qualified || !ALLOWED_TABLE_FUNCTIONS.has(name)) {
        throw refusal(
          `The table function ${name || "(unknown)"}() is not allowed: it ${tableFunctionReason(name)}`,
          name || "table function",
          offsetOf(node) ?? offsetOf(fn),
        );
      }
    } else if (
      (node.class === "FUNCTION" || node.class === "WINDOW" || typeof node.function_name === "string") &&
      !tableFunctionCalls.has(node)
    ) {
      // Every call an expression makes: functions, operators, aggregates and window functions.
      const name = str(node.function_name).toLowerCase();
      const qualifier = { schema: str(node.schema), catalog: str(node.catalog) };
      if (qualifiedCall(name, qualifier.schema, qualifier.catalog)) {
        throw functionRefusal(name, qualifier, offsetOf(node));
      }
      if (!ALLOWED_FUNCTIONS.has(name)) throw functionRefusal(name, undefined, offsetOf(node));
    }
  }
  return tables;
}

/**
 * Checks a json_serialize_sql() document and returns the indexes (into `tables`) of the bound
 * tables the statement references. Throws BAD_REQUEST for anything it does not recognise as safe.
 */
export function checkSerializedQuery(
  serialized: string,
  tables: BoundTableName[],
  sql?: string,
): Set<number> {
  const doc = parseDuckDbJson(serialized);
  if (!isNode(doc)) throw new InletError("INTERNAL", "unexpected json_serialize_sql output");
  if (doc.error === true) {
    const message = str(doc.error_message);
    if (str(doc.error_type) === "parser") {
      throw new InletError("BAD_REQUEST", `Parser Error: ${message}${sql ? hyphenHint(sql) : ""}`, {
        field: "sql",
      });
    }
    const refused = sql === undefined ? undefined : refusedStatement(sql);
    if (refused) throw refused;
    throw refusal(`Only a read-only SELECT query can run (${message})`, "statement");
  }

  const referenced = new Set<number>();
  const available = tables.map((t) => (t.schema === "main" ? t.table : `${t.schema}.${t.table}`)).join(", ");
  for (const ref of inspectQueryTree(doc)) {
    const name = ref.schema ? `${ref.schema}.${ref.table}` : ref.table;
    if (ref.catalog !== "" && ref.catalog.toLowerCase() !== "memory") {
      throw refusal(
        `Unknown table ${ref.catalog}.${name}; available: ${available || "none"}`,
        "table",
        ref.offset,
      );
    }
    const s = ref.schema.toLowerCase();
    const t = ref.table.toLowerCase();
    const index = tables.findIndex(
      (b) => b.table === t && (b.schema === s || (s === "" && b.schema === "main")),
    );
    if (index < 0) {
      throw refusal(`Unknown table ${name}; available: ${available || "none"}`, "table", ref.offset);
    }
    referenced.add(index);
  }
  return referenced;
}
