// Maps InletError codes to HTTP statuses and tRPC codes, in one place for every transport.
import { InletError, type InletErrorCode } from "@inlet/lake-core";
import { TRPCError } from "@trpc/server";

type TrpcCode = TRPCError["code"];

const MAP: Record<InletErrorCode, { status: number; trpc: TrpcCode }> = {
  BAD_REQUEST: { status: 400, trpc: "BAD_REQUEST" },
  UNAUTHORIZED: { status: 401, trpc: "UNAUTHORIZED" },
  FORBIDDEN: { status: 403, trpc: "FORBIDDEN" },
  NOT_FOUND: { status: 404, trpc: "NOT_FOUND" },
  CONFLICT: { status: 409, trpc: "CONFLICT" },
  OBJECT_EXISTS: { status: 409, trpc: "CONFLICT" },
  SCHEMA_INCOMPATIBLE: { status: 409, trpc: "CONFLICT" },
  PAYLOAD_TOO_LARGE: { status: 413, trpc: "PAYLOAD_TOO_LARGE" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, trpc: "UNSUPPORTED_MEDIA_TYPE" },
  RATE_LIMITED: { status: 429, trpc: "TOO_MANY_REQUESTS" },
  // A budget refusal is about what the role may scan, which retrying will not change (403), unlike the
  // per-person concurrency bound (RATE_LIMITED, 429: retry when a run ends); clients retry 429s.
  BUDGET_EXCEEDED: { status: 403, trpc: "FORBIDDEN" },
  CANCELLED: { status: 499, trpc: "CLIENT_CLOSED_REQUEST" },
  INVALID_CONFIG: { status: 500, trpc: "INTERNAL_SERVER_ERROR" },
  UNAVAILABLE: { status: 503, trpc: "SERVICE_UNAVAILABLE" },
  INTERNAL: { status: 500, trpc: "INTERNAL_SERVER_ERROR" },
};

export function httpStatusFor(code: InletErrorCode): number {
  return MAP[code].status;
}

export function toTrpcError(err: unknown): unknown {
  if (err instanceof InletError) {
    return new TRPCError({ code: MAP[err.code].trpc, message: err.message, cause: err });
  }
  return err;
}
