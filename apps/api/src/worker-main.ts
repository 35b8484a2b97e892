// A data-plane worker process: `npm run worker` for scale-out, or forked by the API under
// `npm start`. Attaches to the same catalog, lake and queue as the API; SIGTERM/SIGINT finish or
// release the flush in progress before exiting.
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { createDb, startDatabase } from "@inlet/db";
import { startWorker, type Worker } from "@inlet/lake-core";
import { type Config, ConfigError, loadConfig } from "./config";
import { openDataPlaneAdapters } from "./data-plane-adapters";
import { AdmissionControl, admissionBounds } from "./ingest/admission-control";
import { landingAdmission } from "./ingest/landing-admission";
import { createLogger } from "./logger";
import { policyHashKey } from "./policy-hash-key";
import { recordRetention } from "./retention-audit";
import { AccessPolicyStore } from "./services/access-policy-store";
import { AuditService } from "./services/audit";
import { QueryHistoryStore } from "./services/query-history";
import { userRoles } from "./services/user-roles";
import { stopOnSignals, watchParent } from "./shutdown";
import { workerConfig } from "./worker-config";
import { reportMetrics } from "./worker-metrics-ipc";

async function main() {
  // Forked by the API: noticed even if it dies while this worker is still starting.
  const parentGone = watchParent();
  let config: Config;
  try {
    config = loadConfig(process.env, "worker");
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`inlet worker: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL, "worker");
  // Without DATABASE_URL this attaches to the embedded PostgreSQL a local API started, waiting for it.
  const database = await startDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: join(config.dataDir, "pg"),
    startEmbedded: false,
    log: (msg) => logger.info(msg),
  });
  const db = createDb(database.url);
  const { catalog, store, queue, dedupe } = await openDataPlaneAdapters(config, db);
  const audit = new AuditService(db);
  const worker = await startWorker({
    catalog,
    store,
    queue,
    logger,
    dedupe,
    config: workerConfig(config),
    onRetention: (applied) => recordRetention(audit, applied),
    // Analytics refreshes are recorded in query history like every other read, and read their inputs
    // as each table's creator may see them, hashing with the API's key.
    queryHistory: new QueryHistoryStore(db),
    policies: new AccessPolicyStore(db, catalog),
    rolesOf: userRoles(db),
    policyHashKey: policyHashKey(config),
    // Dropped files are held to the bounds HTTP ingest is, read the same way from the catalog.
    landingAdmission: landingAdmission(
      new AdmissionControl({ catalog, bounds: admissionBounds(config), lakeUrl: store.url, logger }),
    ),
  });
  logger.info({ lake: store.url, queue: queue.kind, dedupe: dedupe.kind }, "worker ready");

  // Under the API, report metrics to the parent so its /metrics covers the workers too.
  const report = process.send ? setInterval(() => void reportMetrics(worker.metrics), 1000) : undefined;

  // A standalone worker (npm run worker) serves its own counters when given a port.
  const metricsServer =
    !process.send && config.INLET_WORKER_METRICS_PORT !== undefined
      ? await serveMetrics(worker, config.INLET_API_HOST, config.INLET_WORKER_METRICS_PORT)
      : undefined;
  if (metricsServer) {
    logger.info(
      { url: `http://${config.INLET_API_HOST}:${config.INLET_WORKER_METRICS_PORT}/metrics` },
      "worker metrics",
    );
  }

  const stop = stopOnSignals({
    logger,
    stoppingMessage: "worker stopping",
    failedMessage: "error while stopping",
    // Longer than the API's: the flush in progress is finished or released first.
    graceMs: 60_000,
    steps: [
      () => clearInterval(report),
      () => metricsServer?.close(),
      () => worker.stop(),
      () => queue.close(),
      () => dedupe.close(),
      () => db.close(),
      () => database.stop(),
    ],
  });
  // The API that forked this worker died while it was starting: stop now, as on its loss later.
  if (parentGone()) void stop("parent exited while the worker started");
}

function serveMetrics(worker: Worker, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === "/metrics") {
      void worker.metrics.registry.metrics().then((text) => {
        res.writeHead(200, { "content-type": worker.metrics.registry.contentType });
        res.end(text);
      });
    } else if (req.method === "GET" && path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"status":"ok"}');
    } else {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":{"code":"NOT_FOUND","message":"GET /metrics or /healthz"}}');
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `inlet worker: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
