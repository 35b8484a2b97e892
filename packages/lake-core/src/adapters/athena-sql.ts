// Analyst SQL made ready for Athena: one read-only query, its table names pointed at the Glue tables
// registered for the bound snapshots, its $name parameters turned into Athena's positional
// ExecutionParameters, and Athena's messages (line:column, Glue names) mapped back to what was typed.
import { InletError } from "../errors";
import type { QueryParam } from "../ports/query-engine";
import {
  identifierValue,
  keywordOf,
  lineColumnOf,
  offsetOf,
  splitStatements,
  type TrinoToken,
  tokenizeTrino,
} from "./trino-sql-tokens";

/** Statements that write, change settings or show the catalog: refused by name. */
const NOT_READ_ONLY = new Set([
  "ALTER",
  "ANALYZE",
  "ATTACH",
  "CALL",
  "CHECKPOINT",
  "COMMENT",
  "COMMIT",
  "COPY",
  "CREATE",
  "DEALLOCATE",
  "DELETE",
  "DENY",
  "DESCRIBE",
  "DETACH",
  "DROP",
  "EXECUTE",
  "EXPLAIN",
  "EXPORT",
  "GRANT",
  "IMPORT",
  "INSERT",
  "INSTALL",
  "LOAD",
  "MERGE",
  "MSCK",
  "OPTIMIZE",
  "PRAGMA",
  "PREPARE",
  "REFRESH",
  "RESET",
  "REVOKE",
  "ROLLBACK",
  "SET",
  "SHOW",
  "START",
  "TABLE",
  "TRUNCATE",
  "UNLOAD",
  "UPDATE",
  "USE",
  "VACUUM",
]);
const QUERY_START = new Set(["SELECT", "WITH", "VALUES"]);
/** Keywords that end a FROM clause at their depth. */
const CLAUSE_END = new Set([
  "WHERE",
  "GROUP",
  "HAVING",
  "ORDER",
  "LIMIT",
  "OFFSET",
  "FETCH",
  "UNION",
  "INTERSECT",
  "EXCEPT",
  "WINDOW",
  "SELECT",
  "VALUES",
  "QUALIFY",
]);
/** Words that may follow a table in FROM without being its alias. */
const NOT_AN_ALIAS = new Set([
  ...CLAUSE_END,
  "AS",
  "JOIN",
  "INNER",
  "LEFT",
  "RIGHT",
  "FULL",
  "OUTER",
  "CROSS",
  "NATURAL",
  "ON",
  "USING",
  "TABLESAMPLE",
  "FOR",
  "MATCH_RECOGNIZE",
  "LATERAL",
  "WITH",
  "FROM",
]);
/** Athena's limit on one ExecutionParameters value. */
const MAX_PARAMETER_CHARS = 1024;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface PreparedAthenaSql {
  /** The text sent to Athena. */
  sql: string;
  /** The values of its `?` placeholders, in order, as Athena takes them: SQL literals. */
  executionParameters: string[];
  /** The bound names (lower case, dotted) the query reads. */
  referenced: Set<string>;
  /** The offset in the analyst's SQL that an offset in `sql` came from. */
  originalOffset(offset: number): number;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

interface Frame {
  sawSelect: boolean;
  fromClause: boolean;
}

function refuse(
  sql: string,
  token: TrinoToken | undefined,
  message: string,
  extra: Record<string, unknown> = {},
) {
  const at = token ? lineColumnOf(sql, token.start) : undefined;
  return new InletError("BAD_REQUEST", message, { ...(at ?? {}), ...extra });
}

/** A quoted Trino identifier: "my ""name""". */
export function trinoIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A Trino string literal: 'it''s'. */
export function trinoString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function numberLiteral(value: number): string {
  if (!Number.isFinite(value))
    throw new InletError("BAD_REQUEST", `a parameter must be a finite number, got ${value}`);
  return String(value);
}

/** One parameter as the literals its placeholders take (a list is one literal per item). */
function parameterLiterals(name: string, param: QueryParam): string[] {
  switch (param.type) {
    case "date":
      if (!DATE.test(param.value)) {
        throw new InletError("BAD_REQUEST", `parameter $${name} must be a date (YYYY-MM-DD)`, {
          field: `params.${name}`,
          parameter: name,
        });
      }
      return [`DATE ${trinoString(param.value)}`];
    case "number":
      return [numberLiteral(param.value)];
    case "text":
      return [trinoString(param.value)];
    case "list":
      return param.items === "number"
        ? param.value.map(numberLiteral)
        : param.value.map((v) => trinoString(v));
  }
}

/** Names defined by WITH in the statement (`name AS (` or `name (cols) AS (` after WITH, RECURSIVE or a comma). */
function cteNames(toks: readonly TrinoToken[]): Set<string> {
  const names = new Set<string>();
  for (let i = 1; i < toks.length; i += 1) {
    const prev = toks[i - 1]!;
    const before = keywordOf(prev) ?? prev.text;
    if (!["WITH", "RECURSIVE", ","].includes(before)) continue;
    const name = identifierValue(toks[i]!);
    if (name === undefined) continue;
    let j = i + 1;
    if (toks[j]?.text === "(") {
      let depth = 0;
      for (; j < toks.length; j += 1) {
        if (toks[j]!.text === "(") depth += 1;
        else if (toks[j]!.text === ")" && --depth === 0) break;
      }
      j += 1;
    }
    if (keywordOf(toks[j]) === "AS" && toks[j + 1]?.text === "(") names.add(name);
  }
  return names;
}

function applyEdits(
  sql: string,
  end: number,
  edits: Edit[],
): Pick<PreparedAthenaSql, "sql" | "originalOffset"> {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const e of sorted) {
    out += sql.slice(at, e.start) + e.text;
    at = e.end;
  }
  out += sql.slice(at, end);
  const originalOffset = (offset: number): number => {
    let delta = 0;
    for (const e of sorted) {
      const outStart = e.start + delta;
      if (offset < outStart) return offset - delta;
      if (offset < outStart + e.text.length) return e.start;
      delta += e.text.length - (e.end - e.start);
    }
    return offset - delta;
  };
  return { sql: out, originalOffset };
}

/**
 * Checks that the SQL is one read-only query naming only bound tables (by their SQL names, lower
 * case and dotted: `curated.orders`) or its own WITH names, and rewrites it for Athena: each bound
 * name becomes its Glue table (`tables` maps the name to the quoted target), aliased by its last
 * part so `orders.id` still resolves; `$name` parameters become `?` with their values as literals.
 * Any other table in a FROM clause, a quoted path or a TABLE(…) function is refused here, because
 * Athena would read whatever the workgroup's role may read.
 */
export function prepareAthenaSql(
  sql: string,
  opts: { tables: ReadonlyMap<string, string>; params?: Record<string, QueryParam> | undefined },
): PreparedAthenaSql {
  const tokens = tokenizeTrino(sql);
  const statements = splitStatements(tokens);
  if (statements.length !== 1) {
    throw new InletError("BAD_REQUEST", `exactly one SQL statement is allowed, got ${statements.length}`);
  }
  const toks = statements[0]!;
  const first = toks[0]!;
  const firstKeyword = keywordOf(first);
  if (firstKeyword !== undefined && NOT_READ_ONLY.has(firstKeyword)) {
    throw refuse(sql, first, `only a read-only SELECT query is allowed, not ${firstKeyword}`);
  }
  if (first.text !== "(" && (firstKeyword === undefined || !QUERY_START.has(firstKeyword))) {
    throw refuse(
      sql,
      first,
      `syntax error at or near "${first.text}": a query starts with SELECT, WITH or VALUES`,
    );
  }

  const edits: Edit[] = [];
  // Semicolons before the statement ("; SELECT 1") become spaces, so offsets stay where they were.
  for (const t of tokens) {
    if (t.start >= first.start) break;
    if (t.kind === "punct" && t.text === ";") edits.push({ start: t.start, end: t.end, text: " " });
  }
  const ctes = cteNames(toks);
  const referenced = new Set<string>();
  const executionParameters: string[] = [];
  const frames: Frame[] = [{ sawSelect: false, fromClause: false }];
  let relationNext: boolean = false;

  for (let i = 0; i < toks.length; i += 1) {
    const t = toks[i]!;
    const frame = frames.at(-1)!;
    const keyword = keywordOf(t);
    const atRelation: boolean = relationNext;
    relationNext = false;

    if (t.kind === "param") {
      const name = t.text.slice(1).toLowerCase();
      const param = opts.params?.[name];
      if (!param) {
        throw refuse(sql, t, `parameter $${name} has no value`, { field: `params.${name}`, parameter: name });
      }
      const literals = parameterLiterals(name, param);
      for (const literal of literals) {
        if (literal.length > MAX_PARAMETER_CHARS) {
          throw refuse(
            sql,
            t,
            `parameter $${name} is longer than Athena takes (${MAX_PARAMETER_CHARS} characters)`,
            {
              field: `params.${name}`,
              parameter: name,
            },
          );
        }
      }
      executionParameters.push(...literals);
      const text =
        param.type === "list"
          ? `(${literals.length === 0 ? "NULL" : literals.map(() => "?").join(", ")})`
          : "?";
      edits.push({ start: t.start, end: t.end, text });
      continue;
    }
    if (t.kind === "punct" && t.text === "?") {
      throw refuse(sql, t, "positional parameters (?) are not supported: name them {{like_this}}");
    }
    if (t.kind === "punct" && t.text === "(") {
      // A parenthesised relation, FROM (a JOIN b), is still the FROM clause; a subquery starts afresh.
      frames.push({ sawSelect: false, fromClause: atRelation });
      relationNext = atRelation;
      continue;
    }
    if (t.kind === "punct" && t.text === ")") {
      if (frames.length > 1) frames.pop();
      continue;
    }
    if (t.kind === "punct" && t.text === ",") {
      relationNext = frame.fromClause;
      continue;
    }
    if (keyword === "SELECT") frame.sawSelect = true;
    if (keyword !== undefined && CLAUSE_END.has(keyword)) frame.fromClause = false;
    if (keyword === "FROM") {
      const p1 = keywordOf(toks[i - 1]);
      const p2 = keywordOf(toks[i - 2]);
      // `x IS [NOT] DISTINCT FROM y` and EXTRACT(… FROM …) are expressions, not a FROM clause.
      if (p1 === "DISTINCT" && (p2 === "IS" || p2 === "NOT")) continue;
      if (!frame.sawSelect) continue;
      frame.fromClause = true;
      relationNext = true;
      continue;
    }
    if (keyword === "JOIN" && frame.fromClause) {
      relationNext = true;
      continue;
    }
    if (!atRelation) continue;

    if (keyword === "LATERAL") continue;
    if (keyword === "UNNEST" && toks[i + 1]?.text === "(") continue;
    if (t.kind === "string") {
      throw refuse(sql, t, `only tables can be read, not ${t.text}`);
    }
    if (keyword === "TABLE") {
      throw refuse(sql, t, "table functions are not allowed: name a table");
    }
    if (t.kind !== "word" && t.kind !== "quoted") continue;
    if (keyword !== undefined && QUERY_START.has(keyword)) continue;

    let end = i;
    while (
      toks[end + 1]?.text === "." &&
      (toks[end + 2]?.kind === "word" || toks[end + 2]?.kind === "quoted")
    ) {
      end += 2;
    }
    const chain = toks.slice(i, end + 1).filter((_, k) => k % 2 === 0);
    const written = sql.slice(t.start, toks[end]!.end);
    i = end;
    // `FROM f(…)` is not Trino syntax (its table functions take TABLE(…), refused above): Athena
    // rejects it, so it is left for Athena to name.
    if (toks[end + 1]?.text === "(") continue;
    const name = chain.map((p) => identifierValue(p)!).join(".");
    if (chain.length === 1 && ctes.has(name)) continue;
    const target = opts.tables.get(name);
    if (target === undefined) throw refuse(sql, t, `Table '${written}' does not exist`, { table: written });
    referenced.add(name);
    const next = toks[end + 1];
    const aliased =
      next !== undefined &&
      (next.kind === "quoted" ||
        (next.kind === "word" && !NOT_AN_ALIAS.has(keywordOf(next)!)) ||
        keywordOf(next) === "AS");
    const alias = aliased ? "" : ` AS ${trinoIdent(identifierValue(chain.at(-1)!)!)}`;
    edits.push({ start: t.start, end: toks[end]!.end, text: `${target}${alias}` });
  }

  const statementEnd = toks.at(-1)!.end;
  return { ...applyEdits(sql, statementEnd, edits), executionParameters, referenced };
}

/**
 * An Athena message in the analyst's terms: every `line L:C` moved to where that text was typed, and
 * the Glue tables (`awsdatacatalog.db.t`, `db.t`, `t`) named as the SQL names them. Also returns the
 * first position, for an editor to point at.
 */
export function explainAthenaMessage(
  message: string,
  sql: string,
  prepared: Pick<PreparedAthenaSql, "sql" | "originalOffset"> | undefined,
  glueNames: ReadonlyMap<string, string>,
): { message: string; line?: number; column?: number } {
  let first: { line: number; column: number } | undefined;
  let text = message.replace(/\bline (\d+):(\d+)/g, (_, l: string, c: string) => {
    const at = prepared
      ? lineColumnOf(sql, prepared.originalOffset(offsetOf(prepared.sql, Number(l), Number(c))))
      : { line: Number(l), column: Number(c) };
    first ??= at;
    return `line ${at.line}:${at.column}`;
  });
  for (const [glue, name] of glueNames) {
    const escaped = glue.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    text = text.replace(
      new RegExp(`(?:"?awsdatacatalog"?\\.)?(?:"?[a-z0-9_]+"?\\.)?"?${escaped}"?`, "gi"),
      name,
    );
  }
  return first ? { message: text, ...first } : { message: text };
}
