// Reads the code, HTTP status and a human message out of whatever a tRPC call failed with.
import { TRPCClientError } from "@trpc/client";

interface ErrorShapeData {
  code?: unknown;
  httpStatus?: unknown;
  issues?: unknown;
}

function dataOf(error: unknown): ErrorShapeData | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  return typeof data === "object" && data !== null ? (data as ErrorShapeData) : undefined;
}

/** The tRPC error code ("FORBIDDEN", "UNAUTHORIZED", …) when the API answered with one. */
export function errorCode(error: unknown): string | undefined {
  const code = dataOf(error)?.code;
  return typeof code === "string" ? code : undefined;
}

export function httpStatusOf(error: unknown): number | undefined {
  const status = dataOf(error)?.httpStatus;
  return typeof status === "number" ? status : undefined;
}

/** What to tell the person: the API's own message when it sent one, otherwise why the call failed. */
export function describeError(error: unknown): string {
  if (error instanceof TRPCClientError) {
    // No `data` means the answer was not from tRPC at all: the rewrite could not reach the API.
    if (dataOf(error) === undefined) {
      const cause = (error.cause as { name?: unknown } | undefined)?.name;
      if (cause === "TimeoutError" || /timed? ?out/i.test(error.message)) {
        return "The Inlet API did not answer in time. Check that it is running and not overloaded.";
      }
      return "The Inlet API could not be reached. Check that it is running.";
    }
    return error.message;
  }
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong.";
}

/**
 * The API's complaints by field ("slug" → "must start with a letter …"), for messages beside each
 * field: the first issue per path of a 400, or a refusal that names a field. Empty for anything else.
 */
export function fieldIssues(error: unknown): Record<string, string> {
  const issues = dataOf(error)?.issues;
  const out: Record<string, string> = {};
  if (!Array.isArray(issues)) return out;
  for (const issue of issues as { path?: unknown; message?: unknown }[]) {
    if (typeof issue.path !== "string" || typeof issue.message !== "string") continue;
    out[issue.path] ??= issue.message;
  }
  return out;
}
