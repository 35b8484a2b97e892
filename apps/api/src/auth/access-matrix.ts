// Who may call what: every tRPC procedure and every HTTP route of the API, with the callers allowed.
// access-matrix.test.ts calls each entry as every role, anonymously, with a signed-out session and
// with a revoked API key, and fails when the server answers otherwise or when a procedure or route
// has no entry here. The audit log's append-only rule is the database's own, tested in
// services/audit-append-only.test.ts.
import { ROLES, type Role } from "@inlet/db";
import { SECTION_ROLES } from "./sections";

export type Access =
  /** Anyone, with no credentials (probes, metrics, sign-in, answers that only say what is allowed). */
  | { kind: "public" }
  /** A live console session whose user has one of these roles (admin is always among them). */
  | { kind: "roles"; roles: readonly Role[] }
  /** A console session token, live or already ended: ending a session again changes nothing. */
  | { kind: "session-token" }
  /** Only the console's server (a token derived from NEXTAUTH_SECRET), never a person. */
  | { kind: "console-server" }
  /** A live API key of the source named in the path. */
  | { kind: "source-key" }
  /** INLET_S3_EVENTS_TOKEN (Bearer, or Basic with it as the password). */
  | { kind: "s3-events-token" };

const PUBLIC: Access = { kind: "public" };
const EVERY_ROLE: Access = { kind: "roles", roles: ROLES };

/** The roles named, and admin, who may do everything. */
function rolesOf(...roles: readonly Role[]): Access {
  return { kind: "roles", roles: ["admin", ...roles.filter((r) => r !== "admin")] };
}

const ADMIN = rolesOf();
const ENGINEER = rolesOf("engineer");
const GOVERNANCE = rolesOf("governance");
const ONCALL = rolesOf("oncall");
const ENGINEER_ONCALL = rolesOf("engineer", "oncall");
const SCHEMA_READERS = rolesOf("engineer", "governance", "oncall");
const ANALYST_ENGINEER = rolesOf("analyst", "engineer");
const OPERATIONS = rolesOf(...SECTION_ROLES.operations);
const QUERIES = rolesOf(...SECTION_ROLES.queries);
const TABLES = rolesOf(...SECTION_ROLES.tables);

/** Every tRPC procedure, by its path (`sources.keys.create`). Owner checks inside a role are the services'. */
export const PROCEDURE_ACCESS = {
  me: EVERY_ROLE,
  "overview.summary": EVERY_ROLE,

  "operations.dashboard": OPERATIONS,
  "operations.priceSheet": OPERATIONS,
  "operations.setPriceSheet": ADMIN,

  "alerts.rules": ENGINEER_ONCALL,
  "alerts.active": ENGINEER_ONCALL,
  "alerts.evaluation": ENGINEER_ONCALL,
  "alerts.history": ENGINEER_ONCALL,
  "alerts.acknowledge": ENGINEER_ONCALL,
  "alerts.setRule": ONCALL,
  "alerts.clearRule": ONCALL,
  "alerts.webhook": ADMIN,
  "alerts.setWebhook": ADMIN,

  "sources.create": ENGINEER,
  "sources.inferSchema": ENGINEER,
  "sources.slugAvailable": ENGINEER,
  "sources.list": ENGINEER_ONCALL,
  "sources.get": ENGINEER_ONCALL,
  "sources.activity": ENGINEER_ONCALL,
  "sources.freshness": ENGINEER_ONCALL,
  "sources.latestEvents": ENGINEER_ONCALL,
  "sources.rejects": ENGINEER_ONCALL,
  "sources.testEventExample": ENGINEER,
  "sources.sendTestEvent": ENGINEER,
  "sources.updateLifecycle": ENGINEER,
  "sources.delete": ENGINEER,
  "sources.setStatus": ENGINEER,
  "sources.keys.list": ENGINEER,
  "sources.keys.create": ENGINEER,
  "sources.keys.revoke": ENGINEER,

  "schemas.list": SCHEMA_READERS,
  "schemas.get": SCHEMA_READERS,
  "schemas.diff": SCHEMA_READERS,
  "schemas.check": SCHEMA_READERS,
  "schemas.register": ENGINEER,
  "schemas.setCompatibility": ENGINEER,

  "audit.list": GOVERNANCE,

  "deadLetters.groups": ENGINEER_ONCALL,
  "deadLetters.list": ENGINEER_ONCALL,
  "deadLetters.get": ENGINEER_ONCALL,

  "replays.list": ENGINEER_ONCALL,
  "replays.get": ENGINEER_ONCALL,
  "replays.dryRun": ENGINEER_ONCALL,
  "replays.checkEdit": ENGINEER_ONCALL,
  "replays.letter": ENGINEER_ONCALL,
  "replays.history": ENGINEER_ONCALL,
  "replays.saveEdit": ONCALL,
  "replays.discard": ONCALL,
  "replays.replayLetter": ONCALL,
  "replays.create": ONCALL,
  "replays.pause": ONCALL,
  "replays.resume": ONCALL,
  "replays.cancel": ONCALL,

  "reprocess.list": ENGINEER_ONCALL,
  "reprocess.get": ENGINEER_ONCALL,
  "reprocess.dryRun": ENGINEER_ONCALL,
  "reprocess.start": ENGINEER_ONCALL,
  "reprocess.cancel": ENGINEER_ONCALL,

  "tables.list": TABLES,
  "tables.get": TABLES,
  "tables.partitions": TABLES,
  "tables.snapshots": TABLES,
  "tables.preview": TABLES,

  "analytics.get": TABLES,
  "analytics.create": ANALYST_ENGINEER,
  "analytics.update": ANALYST_ENGINEER,
  "analytics.refresh": ANALYST_ENGINEER,
  "analytics.delete": ANALYST_ENGINEER,

  "queries.run": QUERIES,
  "queries.estimate": QUERIES,
  "queries.cancel": QUERIES,
  "queries.history": QUERIES,

  "budgets.list": ADMIN,
  "budgets.set": ADMIN,

  "savedQueries.list": QUERIES,
  "savedQueries.get": QUERIES,
  "savedQueries.versions": QUERIES,
  "savedQueries.diff": QUERIES,
  "savedQueries.create": QUERIES,
  "savedQueries.update": QUERIES,
  "savedQueries.restore": QUERIES,
  "savedQueries.delete": QUERIES,

  "policies.tables": GOVERNANCE,
  "policies.tags": GOVERNANCE,
  "policies.get": GOVERNANCE,
  "policies.save": GOVERNANCE,
  "policies.createTag": GOVERNANCE,
  "policies.saveTag": GOVERNANCE,
  "policies.preview": GOVERNANCE,
  "policies.savedQueries": GOVERNANCE,
  "policies.previewSavedQuery": GOVERNANCE,
} as const satisfies Record<string, Access>;

/**
 * Every plain HTTP route, as `METHOD /path` the way Fastify registers it (HEAD follows GET). The
 * tRPC endpoint itself (`/trpc/:path`) is covered procedure by procedure above.
 */
export const ROUTE_ACCESS = {
  "GET /healthz": PUBLIC,
  "GET /readyz": PUBLIC,
  "GET /metrics": PUBLIC,
  "POST /auth/login": PUBLIC,
  "POST /auth/logout": { kind: "session-token" },
  "POST /auth/oidc": { kind: "console-server" },
  "GET /dead-letters/:id/payload": ENGINEER_ONCALL,
  "GET /v1/queries/csv": QUERIES,
  "POST /v1/queries/csv": QUERIES,
  "GET /v1/audit/csv": GOVERNANCE,
  "POST /v1/sources/:slug/events": { kind: "source-key" },
  // The ingest path's other methods answer 405 naming POST, whoever asks.
  "GET /v1/sources/:slug/events": PUBLIC,
  "PUT /v1/sources/:slug/events": PUBLIC,
  "PATCH /v1/sources/:slug/events": PUBLIC,
  "DELETE /v1/sources/:slug/events": PUBLIC,
  "OPTIONS /v1/sources/:slug/events": PUBLIC,
  "POST /v1/landing/s3-events": { kind: "s3-events-token" },
} as const satisfies Record<string, Access>;

export type ProcedurePath = keyof typeof PROCEDURE_ACCESS;
export type RoutePath = keyof typeof ROUTE_ACCESS;
