// A query's whole result as a CSV download, streamed as the engine wrote it (never built in memory):
// GET /v1/queries/csv?sql=…&params=<json>&savedQueryId=… or POST with the same fields as JSON. The same
// guard, budgets and history as the SQL runner (path "csv"), through the LakeReader.
import { isInletError } from "@inlet/lake-core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { refuseUnlessRole } from "./auth/role-check";
import { SECTION_ROLES } from "./auth/sections";
import { type SessionVerifier, sessionTokenFrom } from "./auth/session";
import { httpStatusFor } from "./errors";
import { queryParams, sqlText } from "./routers/queries";
import type { AuditService } from "./services/audit";
import type { QueriesService } from "./services/queries";

export interface QueryCsvRouteDeps {
  queries: QueriesService;
  sessions: SessionVerifier;
  audit: AuditService;
}

export const QUERY_CSV_PATH = "/v1/queries/csv";

const csvRequest = z.object({
  sql: sqlText,
  params: queryParams,
  savedQueryId: z.string().min(1).max(64).optional(),
});

/** GET carries params as a JSON string in the query string. */
const csvQueryString = z.object({
  sql: z.string().optional(),
  params: z
    .string()
    .max(1_000_000)
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === "") return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be a JSON object of parameter values" });
        return z.NEVER;
      }
    }),
  savedQueryId: z.string().optional(),
});

function refuse(reply: FastifyReply, status: number, code: string, message: string, extra: object = {}) {
  return reply.status(status).send({ error: { code, message, ...extra } });
}

export function registerQueryCsvRoute(app: FastifyInstance, deps: QueryCsvRouteDeps): void {
  const handle = async (raw: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const session = await deps.sessions.verify(sessionTokenFrom(req.headers));
    if (!session.ok) return refuse(reply, 401, "UNAUTHORIZED", "Sign in required");
    const refused = await refuseUnlessRole(
      deps.audit,
      session.actor,
      [...SECTION_ROLES.queries],
      { targetType: "route", targetId: `${req.method} ${QUERY_CSV_PATH}` },
      String(req.id),
    );
    if (refused) return refuse(reply, 403, "FORBIDDEN", refused);
    const parsed = csvRequest.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.map(String).join("."),
        message: i.message,
      }));
      return refuse(reply, 400, "BAD_REQUEST", issues.map((i) => `${i.path}: ${i.message}`).join("; "), {
        issues,
      });
    }
    // A download abandoned while its query runs stops the query.
    const gone = new AbortController();
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) gone.abort(new Error("the download was closed"));
    });
    try {
      const csv = await deps.queries.csv(session.actor, parsed.data, gone.signal);
      return reply
        .header("content-type", "text/csv; charset=utf-8")
        .header(
          "content-disposition",
          `attachment; filename="query-${csv.runId.replace(/[^\w.-]/g, "_")}.csv"`,
        )
        .header("cache-control", "no-store")
        .header("x-query-run-id", csv.runId)
        .header("x-row-count", String(csv.rows))
        .header("x-bytes-scanned", String(csv.bytesScanned))
        .header("x-cost-usd", String(csv.costUsd))
        .send(csv.body);
    } catch (err) {
      if (!isInletError(err) || err.code === "INTERNAL") throw err;
      const field = typeof err.details?.field === "string" ? err.details.field : undefined;
      const at =
        typeof err.details?.line === "number" ? { line: err.details.line, column: err.details.column } : {};
      return refuse(reply, httpStatusFor(err.code), err.code, err.message, {
        ...(field ? { issues: [{ path: field, message: err.message, ...at }] } : {}),
      });
    }
  };
  app.get(QUERY_CSV_PATH, async (req, reply) => {
    const q = csvQueryString.safeParse(req.query);
    if (!q.success) {
      const issues = q.error.issues.map((i) => ({
        path: i.path.map(String).join(".") || "(query string)",
        message: i.message,
      }));
      return refuse(reply, 400, "BAD_REQUEST", issues.map((i) => `${i.path}: ${i.message}`).join("; "), {
        issues,
      });
    }
    return handle(q.data, req, reply);
  });
  app.post(QUERY_CSV_PATH, async (req, reply) => handle(req.body, req, reply));
}
