// A landing file announced on landing-events is held under the worker's short lease, renewed while its
// file is handled: a slow file keeps its message from every other worker, and the file of a worker
// killed mid-file goes to another within seconds (not after the 5 minutes the message was once hidden
// for), on the PostgreSQL queue and on NATS JetStream.
import { type ChildProcess, fork } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LocalFsObjectStore } from "../adapters/local-fs-store";
import { PgCatalog } from "../catalog/pg-catalog";
import { LANDING_EVENTS_QUEUE } from "../landing/landing-watch";
import { natsQueueForChild, pgQueueForChild } from "../testing/child-queues";
import {
  createTestSource,
  ensureNatsServer,
  readCommittedRows,
  waitUntil,
} from "../testing/pipeline-fixtures";
import { startWorker } from "./worker";

const childEntry = fileURLToPath(new URL("../testing/worker-process.ts", import.meta.url));

/** The lease both workers hold landing-events messages under (INLET_QUEUE_LEASE_MS). */
const LEASE_MS = 1000;

let t: TestDatabase;
let dir: string;
let stopNats: () => Promise<void>;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "inlet-landing-lease-"));
  stopNats = await ensureNatsServer();
});
afterAll(async () => {
  await stopNats?.();
  await t?.drop();
  await rm(dir, { recursive: true, force: true });
});

const pgQueue = async () => pgQueueForChild(t.db.pool);
const natsQueue = () => natsQueueForChild("INLET_LANDING");

it.each([
  ["PostgreSQL", pgQueue],
  ["NATS JetStream", natsQueue],
])(
  "keeps a landing file's message while its worker handles it, and hands it to another worker within seconds once that worker is killed (%s queue)",
  async (label, makeQueue) => {
    const lakeDir = join(dir, `lake-${label}`);
    const childTmp = join(dir, `child-tmp-${label}`);
    await mkdir(childTmp, { recursive: true });
    const store = new LocalFsObjectStore(lakeDir, { fsync: false });
    const { queue, childEnv, cleanup } = await makeQueue();
    try {
      const src = await createTestSource(t.db);
      const key = `landing/${src.slug}/drop.ndjson`;
      await store.put(
        key,
        new TextEncoder().encode(
          `${JSON.stringify({ id: "l1", amount: 1, created_at: "2024-05-01T00:00:00Z" })}\n`,
        ),
      );
      await queue.send(LANDING_EVENTS_QUEUE, { key, etag: "" });

      // A worker whose handling of the file never finishes: it holds the message, renewing its lease.
      const child: ChildProcess = fork(childEntry, [], {
        execArgv: ["--import", "tsx"],
        env: {
          ...process.env,
          ...childEnv,
          WORKER_DATABASE_URL: t.url,
          WORKER_LAKE_DIR: lakeDir,
          WORKER_TMP_DIR: childTmp,
          WORKER_LEASE_MS: String(LEASE_MS),
          WORKER_LANDING: "events",
          WORKER_STALL_LANDING: "1",
          WORKER_LOG_LEVEL: "silent",
        },
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once("exit", (_code, signal) => resolve(signal)),
      );
      try {
        await waitUntil(
          "the child to take the message",
          async () => (await queue.stats(LANDING_EVENTS_QUEUE)).inFlight === 1,
          120_000,
        );
        // Several leases go by while the child is still at the file: nobody else is given its message.
        const until = Date.now() + 4 * LEASE_MS;
        while (Date.now() < until) {
          const stolen = await queue.receive(LANDING_EVENTS_QUEUE, {
            max: 10,
            visibilityTimeoutMs: LEASE_MS,
            waitMs: 0,
          });
          expect(stolen.map((m) => m.body.key)).toEqual([]);
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(await store.head(key)).toBeDefined();
      } finally {
        child.kill("SIGKILL");
      }
      expect(await exited).toBe("SIGKILL");
      const killedAt = Date.now();

      // Another worker: the message comes back once the dead child's lease runs out.
      const worker = await startWorker({
        catalog: new PgCatalog(t.db),
        store,
        queue,
        logger: pino({ level: "silent" }),
        config: { leaseMs: LEASE_MS, flushIntervalMs: 100, compactIntervalMs: 0, landing: "events" },
      });
      let takenMs = Number.POSITIVE_INFINITY;
      try {
        await waitUntil(
          "the file ingested by the second worker",
          async () => (await store.head(`landing-done/${src.slug}/drop.ndjson`)) !== undefined,
          120_000,
        );
        takenMs = Date.now() - killedAt;
        await waitUntil(
          "its batch committed",
          async () =>
            (await t.db.prisma.batch.count({ where: { sourceId: src.id, status: "committed" } })) === 1,
          60_000,
        );
      } finally {
        await worker.stop();
      }
      // The lease is 1 s and the second worker starts in a few: far from the 5 minutes of before.
      expect(takenMs, `file taken ${takenMs} ms after the kill`).toBeLessThan(30_000);
      expect(await store.head(key)).toBeUndefined();
      const rows = await readCommittedRows(
        { catalog: new PgCatalog(t.db), store },
        `curated.${src.slug}`,
        "_event_id",
      );
      expect(rows).toEqual([{ _event_id: "l1" }]);
      expect((await queue.stats(LANDING_EVENTS_QUEUE)).depth).toBe(0);
    } finally {
      await cleanup();
    }
  },
  240_000,
);
