// tRPC setup: context (who is calling), error shape (field paths for bad input), and the
// procedure builders every router uses: authedProcedure and roleProcedure(...roles).
import type { Role } from "@inlet/db";
import { InletError } from "@inlet/lake-core";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { refuseUnlessRole } from "./auth/role-check";
import type { SessionCheck } from "./auth/session";
import { toTrpcError } from "./errors";
import type { Services } from "./services";

export interface Context {
  session: SessionCheck;
  requestId: string;
  services: Services;
  /** Aborted when the request's connection closes before its answer was sent (a query run then stops). */
  requestClosed?: AbortSignal;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error, ctx }) {
    // A service's refusal that names a field (InletError details.field) is shaped like a zod issue;
    // one placed in the SQL (a syntax error, an unknown column) carries its line and column.
    const inlet = error.cause instanceof InletError ? error.cause : undefined;
    const field = inlet?.details?.field;
    const line = inlet?.details?.line;
    const column = inlet?.details?.column;
    const at = typeof line === "number" && typeof column === "number" ? { line, column } : {};
    const issues =
      error.cause instanceof ZodError
        ? error.cause.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }))
        : typeof field === "string"
          ? [{ path: field, message: error.message, ...at }]
          : undefined;
    // An error nobody expected is logged whole (server.ts onError); its text (a database's, with
    // paths and queries) is not for the caller.
    const unexpected = error.code === "INTERNAL_SERVER_ERROR" && !inlet;
    const message =
      error.cause instanceof ZodError && issues
        ? `Invalid input: ${issues.map((i) => `${i.path || "(input)"}: ${i.message}`).join("; ")}`
        : unexpected
          ? `Something went wrong on the server; it was logged with request id ${ctx?.requestId ?? "unknown"}`
          : shape.message;
    // Inlet's own code tells apart refusals that share an HTTP status (a budget's 403 from a role's).
    return { ...shape, message, data: { ...shape.data, issues, inletCode: inlet?.code, stack: undefined } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = toTrpcError(result.error.cause);
    if (mapped instanceof TRPCError) throw mapped;
  }
  return result;
});

export const publicProcedure = t.procedure.use(mapErrors);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session.ok) {
    const message =
      ctx.session.reason === "missing"
        ? "Sign in required: no session token was sent"
        : ctx.session.reason === "invalid"
          ? "Session token is invalid or expired; sign in again"
          : ctx.session.reason === "revoked"
            ? "This session was signed out; sign in again"
            : "Session user no longer exists or is disabled";
    throw new TRPCError({ code: "UNAUTHORIZED", message });
  }
  return next({ ctx: { ...ctx, actor: ctx.session.actor } });
});

/** Allowed for the given roles; admin may do everything. */
export function roleProcedure(...roles: Role[]) {
  return authedProcedure.use(async ({ ctx, next, path, type }) => {
    const refused = await refuseUnlessRole(
      ctx.services.audit,
      ctx.actor,
      roles,
      { targetType: "procedure", targetId: path, details: { type } },
      ctx.requestId,
    );
    if (refused) throw new TRPCError({ code: "FORBIDDEN", message: refused });
    return next();
  });
}
