// Athena's outcomes as InletErrors a person can act on: a FAILED query's reason (with the line and
// column in their SQL), a column an access policy hides, a query Athena stopped at the per-query bytes
// cutoff, one that was cancelled or timed out, a refused or throttled API call, and a secure view
// that could not be made.
import type { QueryExecution } from "@aws-sdk/client-athena";
import { errorMessage, InletError } from "../errors";
import type { TableBinding } from "../ports/query-engine";
import { explainAthenaMessage, type PreparedAthenaSql } from "./athena-sql";

/** AthenaError.ErrorCategory: 1 SYSTEM, 2 USER, 3 OTHER (Athena's error catalog). */
const USER_CATEGORY = 2;
/** Trino error names of mistakes in the query itself, for a failure that carries no AthenaError. */
const USER_REASON =
  /^(SYNTAX_ERROR|COLUMN_NOT_FOUND|TABLE_NOT_FOUND|SCHEMA_NOT_FOUND|FUNCTION_NOT_FOUND|FUNCTION_IMPLEMENTATION_MISSING|TYPE_MISMATCH|TYPE_NOT_FOUND|AMBIGUOUS_NAME|MISSING_|INVALID_|DIVISION_BY_ZERO|NUMERIC_VALUE_OUT_OF_RANGE|NOT_SUPPORTED|MISMATCHED_COLUMN_ALIASES|EXPRESSION_NOT_|DUPLICATE_|line \d+:\d+)/;
const CUTOFF_REASON = /bytes scanned limit/i;

export interface FailureContext {
  /** The SQL as the caller gave it. */
  sql: string;
  prepared?: Pick<PreparedAthenaSql, "sql" | "originalOffset"> | undefined;
  /** Glue table → the name the SQL used for it. */
  glueNames: ReadonlyMap<string, string>;
  queryExecutionId?: string | undefined;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

/** True when Athena stopped the query because it went over its workgroup's per-query cutoff. */
export function stoppedAtCutoff(execution: QueryExecution): boolean {
  const status = execution.Status;
  return (
    (status?.State === "CANCELLED" || status?.State === "FAILED") &&
    CUTOFF_REASON.test(`${status.StateChangeReason ?? ""} ${status.AthenaError?.ErrorMessage ?? ""}`)
  );
}

/** A per-query byte limit that was crossed: stopped by Athena during the run, or found after it. */
export function overByteLimit(opts: {
  limitBytes: number;
  bytesScanned: number;
  cutoffBytes: number | undefined;
  stoppedByAthena: boolean;
  queryExecutionId: string | undefined;
}): InletError {
  const { limitBytes, bytesScanned } = opts;
  const how = opts.stoppedByAthena ? "Athena stopped it there" : "its result is withheld";
  return new InletError(
    "BUDGET_EXCEEDED",
    `The query scanned ${megabytes(bytesScanned)}, over its per-query limit of ${megabytes(limitBytes)} by ${megabytes(Math.max(0, bytesScanned - limitBytes))}; ${how}.`,
    {
      limit: "perQueryBytes",
      limitBytes,
      bytesScanned,
      overByBytes: Math.max(0, bytesScanned - limitBytes),
      cutoffBytes: opts.cutoffBytes ?? null,
      stoppedByAthena: opts.stoppedByAthena,
      queryExecutionId: opts.queryExecutionId ?? null,
    },
  );
}

/** A FAILED query: the query's own mistake as BAD_REQUEST (with line and column), Athena's as INTERNAL or UNAVAILABLE. */
export function failedQuery(execution: QueryExecution, ctx: FailureContext): InletError {
  const status = execution.Status;
  const athenaError = status?.AthenaError;
  const raw = athenaError?.ErrorMessage ?? status?.StateChangeReason ?? "the query failed in Athena";
  const explained = explainAthenaMessage(raw, ctx.sql, ctx.prepared, ctx.glueNames);
  const byUser =
    athenaError?.ErrorCategory === USER_CATEGORY ||
    (athenaError?.ErrorCategory === undefined && USER_REASON.test(raw));
  const code = byUser ? "BAD_REQUEST" : athenaError?.Retryable ? "UNAVAILABLE" : "INTERNAL";
  return new InletError(code, explained.message, {
    ...(byUser ? { field: "sql" } : {}),
    ...(explained.line !== undefined ? { line: explained.line, column: explained.column } : {}),
    athenaErrorCategory: athenaError?.ErrorCategory ?? null,
    athenaErrorType: athenaError?.ErrorType ?? null,
    queryExecutionId: ctx.queryExecutionId ?? null,
    bytesScanned: execution.Statistics?.DataScannedInBytes ?? 0,
  });
}

/** A query cancelled in Athena by something other than this engine (the console, another client). */
export function cancelledElsewhere(execution: QueryExecution, queryExecutionId: string): InletError {
  const reason = execution.Status?.StateChangeReason;
  return new InletError("CANCELLED", `The query was cancelled in Athena${reason ? `: ${reason}` : ""}`, {
    aborted: true,
    queryExecutionId,
    bytesScanned: execution.Statistics?.DataScannedInBytes ?? 0,
  });
}

/** The caller's signal ended the query (cancelled, or its time limit passed). */
export function abortedQuery(signal: AbortSignal, queryExecutionId?: string): InletError {
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === "TimeoutError";
  const err = new InletError("CANCELLED", timedOut ? "query timed out" : "query cancelled", {
    aborted: true,
    reason: errorMessage(reason),
    ...(timedOut ? { limit: "time" } : {}),
    ...(queryExecutionId ? { queryExecutionId } : {}),
  });
  err.cause = reason;
  return err;
}

/** The engine's own time limit passed: Athena was told to stop the query. */
export function timedOut(timeoutMs: number, queryExecutionId: string): InletError {
  return new InletError(
    "CANCELLED",
    `query timed out: it ran longer than ${Math.round(timeoutMs / 1000)} s`,
    {
      aborted: true,
      limit: "time",
      timeoutMs,
      queryExecutionId,
    },
  );
}

/**
 * A refused Athena API call. StartQueryExecution refuses a query Athena cannot parse at once
 * (InvalidRequestException, AthenaErrorCode MALFORMED_QUERY) with Trino's "line L:C: …" message.
 */
export function apiFailure(err: unknown, what: string, ctx?: FailureContext): InletError {
  if (err instanceof InletError) return err;
  const name = err instanceof Error ? err.name : "";
  const message = errorMessage(err);
  if (name === "InvalidRequestException" && ctx) {
    const explained = explainAthenaMessage(message, ctx.sql, ctx.prepared, ctx.glueNames);
    return new InletError("BAD_REQUEST", explained.message, {
      field: "sql",
      ...(explained.line !== undefined ? { line: explained.line, column: explained.column } : {}),
      athenaErrorCode: (err as { AthenaErrorCode?: string }).AthenaErrorCode ?? null,
    });
  }
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const transient = name === "TooManyRequestsException" || status === undefined || status >= 500;
  const failure = new InletError(transient ? "UNAVAILABLE" : "INTERNAL", `Athena ${what} failed: ${message}`);
  failure.cause = err;
  return failure;
}

/** Trino's "Column 'x' cannot be resolved" (and DuckDB's "Referenced column x not found"): the column named. */
const UNKNOWN_COLUMN =
  /Column '((?:[^']|'')+)' cannot be resolved|Referenced column "?([^"\s]+)"? not found/i;

/**
 * A query naming a column a policy hides from the reader (every role denies it, so the secure view
 * has no such column) gets a message saying so, not "cannot be resolved".
 */
export function hiddenColumnError(err: unknown, bindings: readonly TableBinding[]): unknown {
  if (!(err instanceof InletError) || err.code !== "BAD_REQUEST") return err;
  const m = UNKNOWN_COLUMN.exec(err.message);
  const named = (m?.[1]?.replaceAll("''", "'") ?? m?.[2])?.toLowerCase();
  if (!named) return err;
  for (const b of bindings) {
    const access = b.access;
    if (!access) continue;
    const column = Object.keys(access.roles[0]?.columns ?? {}).find((c) => c.toLowerCase() === named);
    if (column && access.roles.every((v) => v.columns[column]?.action === "deny")) {
      return new InletError(
        "FORBIDDEN",
        `Column ${column} of ${b.name} is hidden from you by an access policy`,
        {
          ...err.details,
          field: "sql",
          column,
          table: b.name,
          policy: "deny",
        },
      );
    }
  }
  return err;
}

/**
 * The view applying a table's access rules could not be made, so the table is not read: FORBIDDEN
 * when Athena refused the view's SQL (e.g. a row filter Trino cannot run), else as the failure was.
 * The reason loses its line:column (of the view's SQL, not the reader's) and never carries the key.
 */
export function secureViewFailed(opts: {
  table: string;
  reason: string;
  /** The key's hex, scrubbed from the reason. */
  keyHex: string;
  byUser: boolean;
  retryable: boolean;
  queryExecutionId?: string;
}): InletError {
  let reason = opts.reason.replace(/\bline \d+:\d+:\s*/g, "");
  if (opts.keyHex) reason = reason.replace(new RegExp(opts.keyHex, "gi"), "…");
  const code = opts.byUser ? "FORBIDDEN" : opts.retryable ? "UNAVAILABLE" : "INTERNAL";
  return new InletError(
    code,
    `The access rules on ${opts.table} for your roles could not be applied in Athena, so it is not read: ${reason}`,
    { table: opts.table, policy: "engine", queryExecutionId: opts.queryExecutionId ?? null },
  );
}
