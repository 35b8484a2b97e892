// A worker in its own process for crash tests: `fork(thisFile, { execArgv: ["--import", "tsx"] })`
// with the settings in environment variables (the queue is PgQueue on the same database, or NatsQueue
// when WORKER_NATS_STREAM is set; landing-events are consumed with WORKER_LANDING=events). Logs JSON
// lines to stdout; SIGTERM stops it gracefully. Compaction is off unless WORKER_COMPACT_INTERVAL_MS is
// set (the compaction bench measures this process).
import { createDb } from "@inlet/db";
import pino from "pino";
import { LocalFsObjectStore } from "../adapters/local-fs-store";
import { NatsQueue } from "../adapters/nats-queue";
import { PgQueue } from "../adapters/pg-queue";
import { PgCatalog } from "../catalog/pg-catalog";
import { startWorker } from "../worker/worker";

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
}

/**
 * WORKER_STALL_LANDING=1: looking up a landing file never finishes, so the worker holds its
 * landing-events message (renewing its lease) until it is killed.
 */
class StallingLandingStore extends LocalFsObjectStore {
  override head(key: string): ReturnType<LocalFsObjectStore["head"]> {
    return key.startsWith("landing/") ? new Promise(() => undefined) : super.head(key);
  }
}

const db = createDb(required("WORKER_DATABASE_URL"), { poolSize: 4 });
const store = new (process.env.WORKER_STALL_LANDING === "1" ? StallingLandingStore : LocalFsObjectStore)(
  required("WORKER_LAKE_DIR"),
  { fsync: false },
);
const natsStream = process.env.WORKER_NATS_STREAM;
const queue = natsStream
  ? await NatsQueue.connect({
      servers: required("WORKER_NATS_URL"),
      streamName: natsStream,
      subjectPrefix: natsStream.toLowerCase(),
    })
  : new PgQueue({ pool: db.pool });
const worker = await startWorker({
  catalog: new PgCatalog(db),
  store,
  queue,
  logger: pino({ level: process.env.WORKER_LOG_LEVEL ?? "info" }),
  config: {
    tmpDir: required("WORKER_TMP_DIR"),
    flushBytes: Number(process.env.WORKER_FLUSH_BYTES ?? 5 * 1024 * 1024),
    flushIntervalMs: Number(process.env.WORKER_FLUSH_INTERVAL_MS ?? 1000),
    ...(process.env.WORKER_LEASE_MS ? { leaseMs: Number(process.env.WORKER_LEASE_MS) } : {}),
    compactIntervalMs: Number(process.env.WORKER_COMPACT_INTERVAL_MS ?? 0),
    compaction: {
      ...(process.env.INLET_COMPACTION_MEMORY_LIMIT
        ? { memoryLimit: process.env.INLET_COMPACTION_MEMORY_LIMIT }
        : {}),
      ...(process.env.INLET_COMPACTION_THREADS
        ? { threads: Number(process.env.INLET_COMPACTION_THREADS) }
        : {}),
      ...(process.env.INLET_COMPACTION_MAX_INPUT_BYTES
        ? { maxInputBytes: Number(process.env.INLET_COMPACTION_MAX_INPUT_BYTES) }
        : {}),
    },
    // WORKER_LANDING=events: consume landing-events (S3 notifications), as on an s3:// lake.
    landing: process.env.WORKER_LANDING === "events" ? "events" : "off",
  },
});
process.send?.({ ready: true });

async function shutdown(): Promise<void> {
  await worker.stop();
  await queue.close();
  await db.close();
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown());
