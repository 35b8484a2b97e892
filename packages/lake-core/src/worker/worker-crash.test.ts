import { type ChildProcess, fork } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LocalFsObjectStore } from "../adapters/local-fs-store";
import { PgCatalog } from "../catalog/pg-catalog";
import { natsQueueForChild, pgQueueForChild } from "../testing/child-queues";
import {
  createTestSource,
  enqueueRawBatch,
  ensureNatsServer,
  generateOrderBatches,
  readCommittedRows,
  waitUntil,
} from "../testing/pipeline-fixtures";
import { startWorker } from "./worker";

const childEntry = fileURLToPath(new URL("../testing/worker-process.ts", import.meta.url));

let t: TestDatabase;
let dir: string;
let stopNats: () => Promise<void>;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "inlet-crash-"));
  stopNats = await ensureNatsServer();
});
afterAll(async () => {
  await stopNats?.();
  await t?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function hasFiles(path: string): Promise<boolean> {
  try {
    const entries = await readdir(path, { recursive: true, withFileTypes: true });
    return entries.some((e) => e.isFile());
  } catch {
    return false;
  }
}

// The child runs with the default lease and the default longest hold (120 s): its batches must come
// back to the second worker after the lease the dead child no longer renews, not after the longest hold.
const RECOVERED_WITHIN_MS = 60_000;

const pgQueue = async () => pgQueueForChild(t.db.pool);
const natsQueue = () => natsQueueForChild("INLET_CRASH");

it.each([
  ["PostgreSQL", pgQueue],
  ["NATS JetStream", natsQueue],
])(
  "loses and doubles nothing when a worker is killed with SIGKILL in the middle of a flush, and its batches are taken over after one lease (%s queue)",
  async (label, makeQueue) => {
    const lakeDir = join(dir, `lake-${label}`);
    const childTmp = join(dir, `child-tmp-${label}`);
    await mkdir(childTmp, { recursive: true });
    const store = new LocalFsObjectStore(lakeDir, { fsync: false });
    const { queue, childEnv, cleanup } = await makeQueue();
    const src = await createTestSource(t.db);
    const gen = generateOrderBatches({
      batches: 30,
      perBatch: 1000,
      dupRate: 0.02,
      invalidRate: 0.05,
      eventBytes: 1000,
      seed: 11,
    });
    for (const lines of gen.batches)
      await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, lines);

    const child: ChildProcess = fork(childEntry, [], {
      execArgv: ["--import", "tsx"],
      env: {
        ...process.env,
        ...childEnv,
        WORKER_DATABASE_URL: t.url,
        WORKER_LAKE_DIR: lakeDir,
        WORKER_TMP_DIR: childTmp,
        // One big flush holding every batch, so the kill lands inside it.
        WORKER_FLUSH_BYTES: String(512 * 1024 * 1024),
        WORKER_FLUSH_INTERVAL_MS: "300",
        WORKER_LOG_LEVEL: "silent",
      },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    // Scratch files exist only while a flush runs inside its commit transaction.
    await waitUntil("the child's flush to start writing", () => hasFiles(childTmp), 120_000);
    child.kill("SIGKILL");
    const killedAt = Date.now();
    expect(await exited).toBe("SIGKILL");

    const pendingAfterKill = await t.db.prisma.batch.count({
      where: { sourceId: src.id, status: "received" },
    });
    expect(pendingAfterKill).toBeGreaterThan(0);

    let recoveredMs = Number.POSITIVE_INFINITY;
    const worker = await startWorker({
      catalog: new PgCatalog(t.db),
      store,
      queue,
      logger: pino({ level: "silent" }),
      config: { flushIntervalMs: 200, compactIntervalMs: 0, landing: "off" },
    });
    try {
      await waitUntil(
        "every batch committed by the second worker",
        async () =>
          (await t.db.prisma.batch.count({ where: { sourceId: src.id, status: { not: "committed" } } })) ===
          0,
        120_000,
      );
      recoveredMs = Date.now() - killedAt;
    } finally {
      await worker.stop();
      await cleanup();
    }

    // Generous: the lease is 8 s; the old 120 s visibility timeout cannot pass it.
    expect(recoveredMs, `every batch committed ${recoveredMs} ms after the kill`).toBeLessThan(
      RECOVERED_WITHIN_MS,
    );

    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id",
    );
    expect(rows.length).toBe(gen.validIds.size);
    expect(new Set(rows.map((r) => String(r._event_id)))).toEqual(gen.validIds);
    const dead = await t.db.prisma.deadLetter.findMany({
      where: { sourceId: src.id },
      select: { eventId: true },
    });
    expect(dead.length).toBe(gen.invalidIds.size);
    expect(new Set(dead.map((d) => d.eventId))).toEqual(gen.invalidIds);
    // Distinct keys: in the hour after UTC midnight each claim is also written to the previous day.
    const claims = await t.db.pool.query<{ n: string }>(
      "SELECT count(DISTINCT key) AS n FROM seen_events WHERE source_id = $1",
      [src.id],
    );
    expect(Number(claims.rows[0]?.n)).toBe(gen.validIds.size);
  },
  240_000,
);
