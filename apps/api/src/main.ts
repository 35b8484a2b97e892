// The API process: configuration, catalog database (embedded when DATABASE_URL is unset), seed,
// adapters, HTTP server and, by default, the data-plane workers. Graceful on SIGTERM/SIGINT.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createDb, ORDERS_SCHEMA, type Role, seed, startDatabase } from "@inlet/db";
import { curatedColumns, ensureSourceTables, evolveColumns } from "@inlet/lake-core";
import { type ApiConfig, ConfigError, loadConfig } from "./config";
import { openDataPlaneAdapters } from "./data-plane-adapters";
import { dataPlaneRoutes } from "./data-plane-routes";
import { ensureLandingFolder } from "./landing-folders";
import { createLogger } from "./logger";
import { buildServer } from "./server";
import { startMetricRollup } from "./services/metric-rollup";
import { OpsSampler, startOpsSampling } from "./services/ops-sampler";
import { stopOnSignals } from "./shutdown";
import { startWorkerProcesses } from "./worker-processes";

function configOrExit(): ApiConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`inlet: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main() {
  const config = configOrExit();
  const logger = createLogger(config.LOG_LEVEL, "api");
  const database = await startDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: join(config.dataDir, "pg"),
    log: (msg) => logger.info(msg),
  });
  const db = createDb(database.url);

  const passwords: Partial<Record<Role, string>> = {};
  if (config.INLET_ADMIN_PASSWORD) passwords.admin = config.INLET_ADMIN_PASSWORD;
  if (config.INLET_ENGINEER_PASSWORD) passwords.engineer = config.INLET_ENGINEER_PASSWORD;
  if (config.INLET_GOVERNANCE_PASSWORD) passwords.governance = config.INLET_GOVERNANCE_PASSWORD;
  if (config.INLET_ANALYST_PASSWORD) passwords.analyst = config.INLET_ANALYST_PASSWORD;
  if (config.INLET_ONCALL_PASSWORD) passwords.oncall = config.INLET_ONCALL_PASSWORD;
  const seeded = await seed(db.prisma, { passwords, sampleSource: config.INLET_SEED_SAMPLE_SOURCE });

  const { catalog, store, queue, dedupe } = await openDataPlaneAdapters(config, db);
  // Governance can set a table's rules before its first events: the seeded sample source's table too,
  // its columns in the order its schema declares them (the stored schema's keys come back sorted).
  const sampleSource = seeded.sampleApiKey ? await catalog.findSourceBySlug("orders") : undefined;
  if (sampleSource)
    await catalog.ensureCuratedTable(sampleSource, evolveColumns(curatedColumns(ORDERS_SCHEMA)));
  const tablesMade = await ensureSourceTables(catalog);
  if (tablesMade.length > 0)
    logger.info({ tables: tablesMade }, "created the curated tables of sources without one");
  // A local lake shows where files can be dropped: landing/{slug}/ of every source.
  for (const { slug } of await catalog.listSources()) await ensureLandingFolder(store.url, slug);

  const runtime = { config, db, catalog, store, queue, dedupe, logger };
  const workers =
    config.INLET_WORKERS > 0
      ? startWorkerProcesses(config.INLET_WORKERS, { ...process.env, DATABASE_URL: database.url }, logger)
      : undefined;
  const { app } = await buildServer(runtime, {
    register: dataPlaneRoutes({ workerMetrics: workers?.metrics }),
  });
  await app.listen({ host: config.INLET_API_HOST, port: config.INLET_API_PORT });
  const stopSampling =
    config.INLET_OPS_SAMPLE_SECONDS > 0
      ? startOpsSampling(
          new OpsSampler({
            db,
            queue,
            workerMetrics: workers ? () => workers.metrics().getMetricsAsJSON() : undefined,
            workers: config.INLET_WORKERS,
            logger,
          }),
          config.INLET_OPS_SAMPLE_SECONDS * 1000,
          logger,
        )
      : () => {};
  const stopRollup = startMetricRollup(db, 60_000, logger);

  const sample = seeded.sampleApiKey;
  // Where people open the console (set by npm start; the default console port otherwise).
  const consoleUrl = (process.env.NEXTAUTH_URL || "http://localhost:3000").replace(/\/+$/, "");
  const firstStart = seeded.createdUsers.length > 0;
  if (firstStart) {
    // A generated password exists nowhere else; one the operator set is theirs and is not repeated.
    const lines = seeded.createdUsers.map(
      (u) =>
        `  ${u.role.padEnd(10)} ${u.email.padEnd(26)} ${u.generated ? u.password : `(INLET_${u.role.toUpperCase()}_PASSWORD)`}`,
    );
    const file = join(config.dataDir, "initial-credentials.txt");
    const body = [
      "Inlet first-start credentials (printed once; change or delete this file).",
      ...lines,
      ...(sample ? [`  ingest key for source 'orders': ${sample}`] : []),
      "",
    ].join("\n");
    // Printed first: the passwords exist nowhere else, so a file that cannot be written must not lose them.
    process.stdout.write(
      `\nInlet: first start. Sign-in accounts (also saved to ${file}):\n${lines.join("\n")}\n` +
        (sample
          ? `\nSample source 'orders' ingest key: ${sample}\n  curl -X POST ${config.publicApiUrl}/v1/sources/orders/events \\\n` +
            `    -H 'Authorization: Bearer ${sample}' -H 'Content-Type: application/x-ndjson' \\\n` +
            `    --data-binary '{"id":"o-1","customer_id":"c-1","amount":12.5,"currency":"EUR","status":"placed","created_at":"${new Date().toISOString()}"}'\n` +
            `\nThen see it land (a second or two): sign in at ${consoleUrl} as engineer@inlet.local and open\n` +
            `  ${consoleUrl}/sources/orders   latest events, ingest rate, rejects by reason, schema\n` +
            `  ${consoleUrl}/tables/curated.orders   columns, partitions, snapshots, preview\n` +
            `  ${consoleUrl}/queries   as analyst@inlet.local: SELECT * FROM curated.orders\n`
          : "") +
        "\n",
    );
    try {
      // With an external database and an s3:// lake nothing else has created the data folder.
      await mkdir(config.dataDir, { recursive: true });
      await writeFile(file, body, { mode: 0o600 });
    } catch (err) {
      logger.warn(
        { file, err: err instanceof Error ? err.message : String(err) },
        "first-start credentials could not be saved; copy them from the output above",
      );
    }
  }
  logger.info(
    {
      url: config.publicApiUrl,
      database: database.embedded ? "embedded" : "external",
      workers: config.INLET_WORKERS,
    },
    "api ready",
  );

  stopOnSignals({
    logger,
    stoppingMessage: "shutting down",
    failedMessage: "error during shutdown",
    graceMs: 30_000,
    steps: [
      () => {
        stopSampling();
        stopRollup();
      },
      () => app.close(),
      () => workers?.stop(),
      () => queue.close(),
      () => dedupe.close(),
      () => db.close(),
      () => database.stop(),
    ],
  });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `inlet: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
