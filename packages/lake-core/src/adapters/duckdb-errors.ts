// DuckDB's errors as InletErrors a person can act on: the query's own mistakes as BAD_REQUEST with the
// line and column in their SQL, the memory limit named, the engine's faults as INTERNAL.
import { errorMessage, InletError } from "../errors";

// DuckDB error classes caused by the query itself (vs. INTERNAL/FATAL/IO faults of the engine).
const USER_ERROR =
  /^(Parser|Binder|Catalog|Conversion|Invalid Input|Invalid type|Permission|Out of Range|Not implemented|Constraint|Dependency|Type Mismatch|Mismatch Type|Sequence) Error/i;
const OUT_OF_MEMORY = /^Out of Memory Error/i;
/** DuckDB's pointer into the query: "LINE 3: <the line, perhaps cut with ...>" then a caret under the spot. */
const LOCATION = /\n\nLINE (\d+): ([^\n]*)\n( *)\^\s*$/;

export interface QueryErrorContext {
  /** The SQL as the caller gave it. */
  sql: string;
  /** Lines the engine put before it (a wrapping SELECT): DuckDB counts them, the person did not write them. */
  linesBefore: number;
  /** The per-query memory limit, as configured, for the message. */
  memoryLimit?: string | undefined;
}

/** Line and column (1-based) in the caller's SQL of DuckDB's LINE/caret pointer, when it can be placed. */
function locate(
  ctx: QueryErrorContext,
  lineNo: number,
  excerpt: string,
  caretAt: number,
): { line: number; column: number } | undefined {
  const line = lineNo - ctx.linesBefore;
  const text = ctx.sql.split("\n")[line - 1];
  if (line < 1 || text === undefined) return undefined;
  // A long line is shown cut, with "..." where text was left out.
  const cutLeft = excerpt.startsWith("...") ? 3 : 0;
  const shown = excerpt.slice(cutLeft, excerpt.endsWith("...") ? -3 : undefined);
  const start = cutLeft === 0 ? 0 : text.indexOf(shown);
  if (start < 0) return undefined;
  return { line, column: start + Math.max(0, caretAt - cutLeft) + 1 };
}

/** An error DuckDB raised while running the caller's query. */
export function queryErrorOf(err: unknown, ctx: QueryErrorContext): InletError {
  const message = errorMessage(err);
  if (OUT_OF_MEMORY.test(message)) {
    const limit = ctx.memoryLimit
      ? `the per-query memory limit of ${ctx.memoryLimit}`
      : "the engine's memory limit";
    return new InletError(
      "BAD_REQUEST",
      `The query needed more memory than ${limit} and was stopped. Filter or aggregate more, or download the result as CSV, which is not held in memory.`,
      {
        field: "sql",
        limit: "memory",
        memoryLimit: ctx.memoryLimit ?? null,
        engineMessage: message.split("\n")[0],
      },
    );
  }
  if (!USER_ERROR.test(message)) return new InletError("INTERNAL", message);
  const m = LOCATION.exec(message);
  if (!m) return new InletError("BAD_REQUEST", message, { field: "sql" });
  const head = message.slice(0, m.index).replace(/\n+/g, " ").trim();
  const prefix = `LINE ${m[1]}: `.length;
  const at = locate(ctx, Number(m[1]), m[2] ?? "", (m[3]?.length ?? 0) - prefix);
  if (!at) return new InletError("BAD_REQUEST", head, { field: "sql" });
  return new InletError("BAD_REQUEST", `${head} (line ${at.line}, column ${at.column})`, {
    field: "sql",
    line: at.line,
    column: at.column,
  });
}
