// The audit log as a CSV download for governance staff and admins:
// GET /v1/audit/csv?actor=&action=&table=&from=&to= with audit.list's filters (blank ones ignored).
// Entries are read newest first a page at a time and streamed as they are read, never the whole log
// in memory. Columns: id, at, actor_email, action, target_type, target_id, request_id, details (JSON).
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import { refuseUnlessRole } from "./auth/role-check";
import { SECTION_ROLES } from "./auth/sections";
import { type SessionVerifier, sessionTokenFrom } from "./auth/session";
import { csvRow, inertInSpreadsheets } from "./csv-row";
import { auditFilters } from "./routers/audit";
import type { AuditFilters, AuditService } from "./services/audit";

export interface AuditCsvRouteDeps {
  audit: AuditService;
  sessions: SessionVerifier;
}

export const AUDIT_CSV_PATH = "/v1/audit/csv";

export const AUDIT_CSV_COLUMNS = [
  "id",
  "at",
  "actor_email",
  "action",
  "target_type",
  "target_id",
  "request_id",
  "details",
] as const;

/** Entries read per page while streaming. */
const PAGE_SIZE = 500;

function refuse(reply: FastifyReply, status: number, code: string, message: string, extra: object = {}) {
  return reply.status(status).send({ error: { code, message, ...extra } });
}

/** The CSV text, header first, a page of entries at a time. */
export async function* auditCsv(audit: AuditService, filters: AuditFilters): AsyncGenerator<string> {
  yield csvRow(AUDIT_CSV_COLUMNS);
  for await (const entries of audit.pages(filters, PAGE_SIZE)) {
    let text = "";
    for (const e of entries) {
      text += csvRow([
        e.id,
        e.at.toISOString(),
        // Text a person or client chose (a failed sign-in's email, a request id) must not run as a formula.
        inertInSpreadsheets(e.actorEmail),
        inertInSpreadsheets(e.action),
        inertInSpreadsheets(e.targetType),
        inertInSpreadsheets(e.targetId),
        inertInSpreadsheets(e.requestId),
        JSON.stringify(e.details),
      ]);
    }
    yield text;
  }
}

/** The query string's values, blank ones left out (an empty form field means no filter). */
function givenValues(query: unknown): Record<string, unknown> {
  if (typeof query !== "object" || query === null) return {};
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ""));
}

export function registerAuditCsvRoute(app: FastifyInstance, deps: AuditCsvRouteDeps): void {
  app.get(AUDIT_CSV_PATH, async (req, reply) => {
    const session = await deps.sessions.verify(sessionTokenFrom(req.headers));
    if (!session.ok) return refuse(reply, 401, "UNAUTHORIZED", "Sign in required");
    const refused = await refuseUnlessRole(
      deps.audit,
      session.actor,
      [...SECTION_ROLES.audit],
      { targetType: "route", targetId: `GET ${AUDIT_CSV_PATH}` },
      String(req.id),
    );
    if (refused) return refuse(reply, 403, "FORBIDDEN", refused);
    const parsed = auditFilters.strict().safeParse(givenValues(req.query));
    if (!parsed.success) {
      // An unknown parameter is named as the field at fault.
      const issues = parsed.error.issues.flatMap((i) =>
        i.code === "unrecognized_keys"
          ? i.keys.map((key) => ({ path: key, message: "is not a filter of the audit log" }))
          : [{ path: i.path.map(String).join("."), message: i.message }],
      );
      return refuse(reply, 400, "BAD_REQUEST", issues.map((i) => `${i.path}: ${i.message}`).join("; "), {
        issues,
      });
    }
    const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, "");
    return reply
      .header("content-type", "text/csv; charset=utf-8")
      .header("content-disposition", `attachment; filename="audit-${stamp}.csv"`)
      .header("cache-control", "no-store")
      .send(Readable.from(auditCsv(deps.audit, parsed.data)));
  });
}
