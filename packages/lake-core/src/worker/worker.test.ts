import { mkdtemp, rm } from "node:fs/promises";
import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb } from "@inlet/db";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalFsObjectStore } from "../adapters/local-fs-store";
import { NatsQueue } from "../adapters/nats-queue";
import { PgQueue } from "../adapters/pg-queue";
import { PgCatalog } from "../catalog/pg-catalog";
import type { Queue } from "../ports/queue";
import {
  createTestSource,
  deleteNatsStream,
  enqueueRawBatch,
  ensureNatsServer,
  generateOrderBatches,
  readCommittedRows,
  TEST_NATS_URL,
  waitUntil,
} from "../testing/pipeline-fixtures";
import { startWorker, type Worker } from "./worker";

const logger = pino({ level: "silent" });
let dir: string;
let stopNats: () => Promise<void>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "inlet-worker-test-"));
  stopNats = await ensureNatsServer();
});
afterAll(async () => {
  await stopNats?.();
  await rm(dir, { recursive: true, force: true });
});

async function exactlyOnceScenario(t: TestDatabase, makeQueue: () => Promise<Queue>) {
  const store = new LocalFsObjectStore(join(dir, `lake-${Math.random().toString(36).slice(2)}`), {
    fsync: false,
  });
  const producer = await makeQueue();
  const src = await createTestSource(t.db);
  const gen = generateOrderBatches({ batches: 40, perBatch: 100, dupRate: 0.02, invalidRate: 0.05, seed: 7 });
  for (const lines of gen.batches)
    await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue: producer }, src, lines);

  const queues = [await makeQueue(), await makeQueue()];
  const workers: Worker[] = [];
  for (const queue of queues) {
    workers.push(
      await startWorker({
        catalog: new PgCatalog(t.db),
        store,
        queue,
        logger,
        config: {
          flushIntervalMs: 100,
          flushBytes: 64 * 1024,
          concurrency: 2,
          compactIntervalMs: 0,
          landing: "off",
        },
      }),
    );
  }
  try {
    await waitUntil("all batches committed", async () => {
      const open = await t.db.prisma.batch.count({
        where: { sourceId: src.id, status: { not: "committed" } },
      });
      return open === 0;
    });
  } finally {
    for (const w of workers) await w.stop();
    for (const q of [...queues, producer]) await q.close();
  }

  const rows = await readCommittedRows(
    { catalog: new PgCatalog(t.db), store },
    `curated.${src.slug}`,
    "_event_id",
  );
  const ids = rows.map((r) => String(r._event_id));
  expect(ids.length).toBe(gen.validIds.size);
  expect(new Set(ids)).toEqual(gen.validIds);

  const dead = await t.db.prisma.deadLetter.findMany({ where: { sourceId: src.id } });
  expect(new Set(dead.map((d) => d.eventId))).toEqual(gen.invalidIds);
  expect(dead.length).toBe(gen.invalidIds.size);
  for (const d of dead) {
    expect([d.reasonCode, d.reason, d.path]).toEqual([
      "SCHEMA_VIOLATION",
      expect.stringMatching(/^\/amount: must be a number, got the string "\d+"$/),
      "/amount",
    ]);
  }
  const sums = await t.db.prisma.batch.aggregate({
    where: { sourceId: src.id },
    _sum: { accepted: true, rejected: true, duplicates: true },
  });
  expect(sums._sum).toEqual({
    accepted: gen.validIds.size,
    rejected: gen.invalidIds.size,
    duplicates: gen.duplicateEvents,
  });
  expect(gen.duplicateEvents).toBeGreaterThan(0);
}

/** A TCP proxy to the database that can be cut (connections reset, new ones refused) and restored. */
async function startCuttableProxy(
  target: URL,
): Promise<{ url: string; cut(): void; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = netConnect({ host: target.hostname, port: Number(target.port) });
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => {
        const addr = server?.address();
        port = typeof addr === "object" && addr ? addr.port : 0;
        resolve();
      });
    });
  await listen();
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  const cut = () => {
    server?.close();
    for (const s of sockets) s.destroy();
  };
  return { url: url.toString(), cut, restore: listen, close: async () => cut() };
}

describe("worker", () => {
  it("stores every valid event exactly once with two concurrent workers on the Postgres queue", async () => {
    const t = await createTestDatabase();
    try {
      await exactlyOnceScenario(t, async () => new PgQueue({ pool: t.db.pool }));
    } finally {
      await t.drop();
    }
  });

  it("stores every valid event exactly once with two concurrent workers on NATS JetStream", async () => {
    const t = await createTestDatabase();
    const stream = `INLET_TEST_${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
    try {
      await exactlyOnceScenario(t, () =>
        NatsQueue.connect({
          servers: TEST_NATS_URL,
          streamName: stream,
          subjectPrefix: stream.toLowerCase(),
        }),
      );
    } finally {
      await deleteNatsStream(stream);
      await t.drop();
    }
  });

  it("records a poison batch as a dead letter after maxReceives and keeps the others flowing", async () => {
    const t = await createTestDatabase();
    const store = new LocalFsObjectStore(join(dir, "lake-poison"), { fsync: false });
    const queue = new PgQueue({ pool: t.db.pool, maxReceives: 2 });
    const src = await createTestSource(t.db);
    const bad = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, ['{"id":"a"}'], {
      skipPut: true,
    });
    const good = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      JSON.stringify({ id: "g1", amount: 1, created_at: "2024-05-01T00:00:00Z" }),
    ]);
    const worker = await startWorker({
      catalog: new PgCatalog(t.db),
      store,
      queue,
      logger,
      config: { flushIntervalMs: 50, deadDrainIntervalMs: 100, compactIntervalMs: 0, landing: "off" },
    });
    try {
      await waitUntil(
        "poison dead letter",
        async () => (await t.db.prisma.deadLetter.count({ where: { batchId: bad.batchId } })) > 0,
      );
      await waitUntil(
        "good batch committed",
        async () =>
          (await t.db.prisma.batch.findUniqueOrThrow({ where: { id: good.batchId } })).status === "committed",
      );
    } finally {
      await worker.stop();
      await queue.close();
    }
    const letter = await t.db.prisma.deadLetter.findFirstOrThrow({ where: { batchId: bad.batchId } });
    expect(letter.reasonCode).toBe("POISON_BATCH");
    expect(letter.attempts).toBe(2);
    expect(JSON.parse(letter.payload).message.rawKey).toBe(bad.rawKey);
    expect((await t.db.prisma.batch.findUniqueOrThrow({ where: { id: bad.batchId } })).status).toBe("failed");
    expect((await worker.metrics.poisonBatches.get()).values[0]?.value).toBe(1);
    await t.drop();
  });

  it("writes a batch once no other follows within the linger, not a whole flush interval later", async () => {
    const t = await createTestDatabase();
    const store = new LocalFsObjectStore(join(dir, "lake-linger"), { fsync: false });
    const queue = new PgQueue({ pool: t.db.pool });
    const src = await createTestSource(t.db);
    // An interval longer than the wait below: only the linger can end this flush in time.
    const worker = await startWorker({
      catalog: new PgCatalog(t.db),
      store,
      queue,
      logger,
      config: { flushIntervalMs: 30_000, flushLingerMs: 50, compactIntervalMs: 0, landing: "off" },
    });
    try {
      const lone = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
        JSON.stringify({ id: "l1", amount: 1, created_at: "2024-05-01T00:00:00Z" }),
      ]);
      await waitUntil(
        "lone batch committed",
        async () =>
          (await t.db.prisma.batch.findUniqueOrThrow({ where: { id: lone.batchId } })).status === "committed",
        15_000,
      );
    } finally {
      // Closed first: the flush loops' next long poll (up to the interval) then ends at once.
      await queue.close();
      await worker.stop();
    }
    await t.drop();
  });

  it("picks up a file dropped into the landing zone and commits its events", async () => {
    const t = await createTestDatabase();
    const store = new LocalFsObjectStore(join(dir, "lake-landing"), { fsync: false });
    const queue = new PgQueue({ pool: t.db.pool });
    const src = await createTestSource(t.db);
    const worker = await startWorker({
      catalog: new PgCatalog(t.db),
      store,
      queue,
      logger,
      config: { flushIntervalMs: 50, landingPollMs: 50, compactIntervalMs: 0 },
    });
    try {
      await store.put(
        `landing/${src.slug}/drop.csv`,
        new TextEncoder().encode(
          "id,amount,created_at\nw1,2.5,2024-05-01T00:00:00Z\nw2,3,2024-05-01T01:00:00Z\n",
        ),
      );
      await waitUntil(
        "the dropped file's batch committed",
        async () =>
          (await t.db.prisma.batch.count({ where: { sourceId: src.id, status: "committed" } })) === 1,
      );
    } finally {
      await worker.stop();
      await queue.close();
    }
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id, amount",
    );
    expect(rows).toEqual([
      { _event_id: "w1", amount: 2.5 },
      { _event_id: "w2", amount: 3 },
    ]);
    expect((await worker.metrics.landingFiles.get()).values[0]?.value).toBe(1);
    await t.drop();
  });

  it("stops receiving while the catalog database is unreachable, so no batch is dead-lettered for it", async () => {
    const t = await createTestDatabase();
    const proxy = await startCuttableProxy(new URL(t.url));
    const db = createDb(proxy.url, { poolSize: 4 });
    const stream = `INLET_TEST_${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
    const makeQueue = () =>
      NatsQueue.connect({
        servers: TEST_NATS_URL,
        streamName: stream,
        subjectPrefix: stream.toLowerCase(),
        maxReceives: 3,
      });
    const producer = await makeQueue();
    const queue = await makeQueue();
    const store = new LocalFsObjectStore(join(dir, "lake-outage"), { fsync: false });
    const src = await createTestSource(t.db);
    const worker = await startWorker({
      catalog: new PgCatalog(db),
      store,
      queue,
      logger,
      config: { flushIntervalMs: 50, deadDrainIntervalMs: 100, compactIntervalMs: 0, landing: "off" },
    });
    try {
      proxy.cut();
      const gen = generateOrderBatches({ batches: 5, perBatch: 20, seed: 5 });
      for (const lines of gen.batches)
        await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue: producer }, src, lines);
      await waitUntil(
        "the worker to hand a flush back for the unreachable catalog",
        async () => ((await worker.metrics.flushErrors.get()).values[0]?.value ?? 0) > 0,
      );
      // The outage under test, from the worker's first failure on: without the gate, 3 receives with
      // the worker's 1 s nack delay would dead-letter every batch within it.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      await proxy.restore();
      await waitUntil(
        "all batches committed after the outage",
        async () =>
          (await t.db.prisma.batch.count({ where: { sourceId: src.id, status: "committed" } })) === 5,
      );
      expect(await t.db.prisma.deadLetter.count({ where: { reasonCode: "POISON_BATCH" } })).toBe(0);
      const rows = await readCommittedRows(
        { catalog: new PgCatalog(t.db), store },
        `curated.${src.slug}`,
        "_event_id",
      );
      expect(new Set(rows.map((r) => String(r._event_id)))).toEqual(gen.validIds);
    } finally {
      await worker.stop();
      await queue.close();
      await producer.close();
      await db.close();
      await proxy.close();
      await deleteNatsStream(stream);
      await t.drop();
    }
  });
});
