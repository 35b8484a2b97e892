// What the console reads of a failed run or estimate beyond its message: Inlet's own code (a budget's
// refusal and a role's share a 403) and where in the SQL the error is (data.issues' line and column).
import { TRPCClientError } from "@trpc/client";
import type { SqlErrorPosition } from "./sql-error-position";

interface ErrorData {
  inletCode?: unknown;
  issues?: unknown;
}

function dataOf(error: unknown): ErrorData | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  return typeof data === "object" && data !== null ? (data as ErrorData) : undefined;
}

export function inletCode(error: unknown): string | undefined {
  const code = dataOf(error)?.inletCode;
  return typeof code === "string" ? code : undefined;
}

/** The line and column the API placed the error at, when it did. */
export function issuePosition(error: unknown): SqlErrorPosition | undefined {
  const issues = dataOf(error)?.issues;
  if (!Array.isArray(issues)) return undefined;
  for (const issue of issues as { line?: unknown; column?: unknown }[]) {
    if (typeof issue.line === "number" && typeof issue.column === "number") {
      return { line: issue.line, column: issue.column };
    }
  }
  return undefined;
}

/** The heading of a run's failure. */
export function runFailureTitle(code: string | undefined): string {
  switch (code) {
    case "BUDGET_EXCEEDED":
      return "Refused: over your bytes-scanned budget";
    case "CANCELLED":
      return "The query was cancelled";
    case "RATE_LIMITED":
      return "Too many of your queries are running";
    default:
      return "The query did not run";
  }
}
