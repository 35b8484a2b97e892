// InletError: a stable code and a human message; transports map codes to status codes.

export type InletErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "RATE_LIMITED"
  /** A query over a bytes-scanned budget of the person's role (per query or per day). */
  | "BUDGET_EXCEEDED"
  /** A running query was cancelled: by its owner or an admin, or because its request went away. */
  | "CANCELLED"
  | "OBJECT_EXISTS"
  | "SCHEMA_INCOMPATIBLE"
  | "INVALID_CONFIG"
  /** A part the request needs (store, catalog, queue) did not answer: try again later. */
  | "UNAVAILABLE"
  | "INTERNAL";

export class InletError extends Error {
  readonly code: InletErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: InletErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "InletError";
    this.code = code;
    this.details = details;
  }
}

export function isInletError(err: unknown): err is InletError {
  return err instanceof InletError;
}

/** The message of anything thrown, for logs and the reasons recorded with a retry or a dead letter. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
