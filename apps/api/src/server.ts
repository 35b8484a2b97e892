// Composition of the HTTP server: health, sign-in, the tRPC control plane, dead-letter, query and audit
// downloads, ingest and metrics.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Db } from "@inlet/db";
import {
  type Catalog,
  createDuckDbEngine,
  createQueryEngine,
  type DedupeIndex,
  LakeReader,
  type ObjectStore,
  type Queue,
} from "@inlet/lake-core";
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { registerAuditCsvRoute } from "./audit-csv-route";
import { registerCrossSiteGuard } from "./auth/cross-site";
import { registerAuthRoutes } from "./auth/routes";
import { SessionVerifier, sessionTokenFrom } from "./auth/session";
import type { ApiConfig } from "./config";
import { registerDeadLetterPayloadRoute } from "./dead-letter-payload-route";
import { listeningUrl } from "./listening-url";
import { policyHashKey } from "./policy-hash-key";
import { registerQueryCsvRoute } from "./query-csv-route";
import { queryEngineConfig } from "./query-engine-config";
import { startQueryHistoryPurge } from "./query-history-purge";
import { type AppRouter, appRouter } from "./router";
import { createServices, type Services } from "./services";
import { AccessPolicyStore } from "./services/access-policy-store";
import { startAlertEvaluator } from "./services/alert-evaluator";
import { costTodayBySource } from "./services/alert-figures";
import { queueWebhookDelivery, startWebhookDelivery } from "./services/alert-webhook";
import { QueryHistoryStore } from "./services/query-history";
import { SourceChanges } from "./source-changes";
import type { Context } from "./trpc";
import { registerTrpcBodyLimits } from "./trpc-body-limits";

export interface Runtime {
  config: ApiConfig;
  db: Db;
  catalog: Catalog;
  store: ObjectStore;
  queue: Queue;
  logger: Logger;
  /** Which events are new within their source's window (default: the catalog's PostgreSQL index). */
  dedupe?: DedupeIndex;
  /** Source and key changes this process must act on at once (its ingest key cache); made when absent. */
  sourceChanges?: SourceChanges;
}

export interface ServerExtras {
  /** Registers routes that need the runtime (ingest API, metrics) on the app. */
  register?: (app: FastifyInstance, runtime: Runtime) => Promise<void> | void;
}

/** Aborted when the connection closes before the response was sent in full. */
function closedBeforeAnswer(res: ServerResponse): AbortSignal {
  const closed = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) closed.abort(new Error("the request was closed before its answer"));
  });
  return closed.signal;
}

/** How often due alert webhook postings are looked for (retries wait their own backoff). */
const WEBHOOK_POLL_MS = 5_000;

export async function buildServer(given: Runtime, extras: ServerExtras = {}) {
  const runtime: Runtime = { ...given, sourceChanges: given.sourceChanges ?? new SourceChanges() };
  const { config, db, logger } = runtime;
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
  });
  app.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });

  // Every read of lake data for a person goes through this one reader (see LakeReader).
  // DuckDB embedded, or Athena over Glue tables (INLET_QUERY_ENGINE; see query-engine-config.ts).
  // Hash rules use a key kept out of the database (see policy-hash-key.ts).
  const hashKey = policyHashKey(config);
  const engine = createQueryEngine(queryEngineConfig(config, runtime.store, logger, hashKey));
  app.addHook("onClose", () => engine.close());
  // Analytics refreshes write the lake's own Parquet files, so they run on DuckDB whichever engine
  // answers people's queries.
  const analyticsEngine = createDuckDbEngine({
    store: runtime.store,
    policyHashKey: hashKey,
    memoryLimit: config.INLET_QUERY_MEMORY_LIMIT,
  });
  app.addHook("onClose", () => analyticsEngine.close());
  // Every run of every read path is recorded here, and per-role budgets are read from here.
  const queryHistory = new QueryHistoryStore(db);
  // Column rules, tags and row filters (an analytics table's include its inputs'): every read of every
  // path applies the reader's, and analytics refreshes read their inputs under their creator's.
  const policies = new AccessPolicyStore(db, runtime.catalog);
  const lake = new LakeReader({
    catalog: runtime.catalog,
    engine,
    policies,
    policyHashKey: hashKey,
    history: queryHistory,
    budgets: queryHistory,
    limits: {
      timeoutMs: config.INLET_QUERY_TIMEOUT_MS,
      maxConcurrentPerUser: config.INLET_QUERY_CONCURRENCY_PER_USER,
    },
    logger,
  });
  const stopPurge = startQueryHistoryPurge(queryHistory, {
    days: config.INLET_QUERY_HISTORY_DAYS,
    timeoutMs: config.INLET_QUERY_TIMEOUT_MS,
    logger,
  });
  app.addHook("onClose", async () => stopPurge());
  const services: Services = createServices({
    db,
    catalog: runtime.catalog,
    lake,
    queryHistory,
    queue: runtime.queue,
    store: runtime.store,
    sourceChanges: runtime.sourceChanges ?? new SourceChanges(),
    logger,
    serverSecret: config.NEXTAUTH_SECRET,
    publicApiUrl: config.publicApiUrl,
    ownUrl: () => listeningUrl(app.server),
    analyticsEngine,
    policies,
    replay: {
      maxRate: config.INLET_REPLAY_MAX_RATE,
      limits: {
        maxBodyBytes: config.INLET_INGEST_MAX_BODY_BYTES,
        maxEventBytes: config.INLET_INGEST_MAX_EVENT_BYTES,
        maxEventsPerBatch: config.INLET_INGEST_MAX_EVENTS,
      },
      policyHashKey: hashKey,
      dedupe: runtime.dedupe,
    },
  });
  // Alerts are judged here rather than in the workers: their rules, episodes and webhook live in the
  // control plane's tables beside the audit log, and the catalog lease keeps it to one API process.
  if (config.INLET_ALERT_INTERVAL_MS > 0) {
    const alertEvaluator = startAlertEvaluator({
      db,
      catalog: runtime.catalog,
      queue: runtime.queue,
      logger,
      intervalMs: config.INLET_ALERT_INTERVAL_MS,
      onTransition: queueWebhookDelivery,
      costToday: async (now) => costTodayBySource((await services.operations.cost(1, now)).rows, now),
    });
    services.alerts.watch(alertEvaluator);
    app.addHook("onClose", () => alertEvaluator.stop());
    // Fires and resolves are posted to the webhook from alert_deliveries, retried with backoff.
    const stopWebhook = startWebhookDelivery({
      db,
      catalog: runtime.catalog,
      serverSecret: config.NEXTAUTH_SECRET,
      logger,
      intervalMs: WEBHOOK_POLL_MS,
    });
    app.addHook("onClose", () => stopWebhook());
  }
  const sessions = new SessionVerifier(db, config.NEXTAUTH_SECRET);

  app.setErrorHandler((err, req, reply) => {
    const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
    const status = typeof e.statusCode === "number" && e.statusCode >= 400 ? e.statusCode : 500;
    if (status >= 500) req.log.error({ err }, "request failed");
    const code = status >= 500 ? "INTERNAL" : typeof e.code === "string" ? e.code : "BAD_REQUEST";
    const message = status >= 500 ? `Internal error; quote request id ${req.id}` : String(e.message);
    void reply.status(status).send({ error: { code, message, requestId: req.id } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      error: { code: "NOT_FOUND", message: `No route ${req.method} ${req.url}`, requestId: req.id },
    });
  });

  // A change made with the browser's session cookie must come from the console's own pages.
  registerCrossSiteGuard(app);

  // Probes poll often; their request logs would drown everything else.
  app.get("/healthz", { logLevel: "warn" }, async () => ({ status: "ok" }));
  app.get("/readyz", { logLevel: "warn" }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    await db.pool
      .query("SELECT 1")
      .then(() => {
        checks.database = "ok";
      })
      .catch((e: Error) => {
        checks.database = e.message;
      });
    await runtime.queue
      .stats("batches")
      .then(() => {
        checks.queue = "ok";
      })
      .catch((e: Error) => {
        checks.queue = e.message;
      });
    const ready = Object.values(checks).every((v) => v === "ok");
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks });
  });

  registerAuthRoutes(app, { config, db, sessions, audit: services.audit });
  registerDeadLetterPayloadRoute(app, { deadLetters: services.deadLetters, sessions, audit: services.audit });
  registerQueryCsvRoute(app, { queries: services.queries, sessions, audit: services.audit });
  registerAuditCsvRoute(app, { audit: services.audit, sessions });

  registerTrpcBodyLimits(app, { prefix: "/trpc", router: appRouter });
  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      // Queries may then be POSTed (the client's methodOverride): an estimate of long SQL fits no URL.
      allowMethodOverride: true,
      createContext: async ({ req, res }): Promise<Context> => ({
        session: await sessions.verify(sessionTokenFrom(req.headers)),
        requestId: String(req.id),
        services,
        requestClosed: closedBeforeAnswer(res.raw),
      }),
      onError({ error, path, ctx }) {
        if (error.code === "INTERNAL_SERVER_ERROR")
          logger.error({ err: error, path, reqId: ctx?.requestId }, "tRPC error");
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });

  await extras.register?.(app, runtime);
  return { app, services };
}
