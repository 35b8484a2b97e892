import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LocalFsObjectStore } from "../adapters/local-fs-store";
import { PgQueue } from "../adapters/pg-queue";
import { PgCatalog } from "../catalog/pg-catalog";
import {
  createTestSource,
  enqueueRawBatch,
  generateOrderBatches,
  readCommittedRows,
  waitUntil,
} from "../testing/pipeline-fixtures";
import { startWorker, type WorkerConfig } from "./worker";

// The worker's scratch folder, full while `scratch.full` is set: writing a flush's lines there fails
// as the file system answers (ENOSPC).
const scratch = vi.hoisted(() => ({ full: false, refused: 0 }));
vi.mock("../process/flush-files", async (importOriginal) => {
  const real = await importOriginal<typeof import("../process/flush-files")>();
  return {
    ...real,
    writeCandidateLines: (...args: Parameters<typeof real.writeCandidateLines>) => {
      if (!scratch.full) return real.writeCandidateLines(...args);
      scratch.refused += 1;
      return Promise.reject(
        Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }),
      );
    },
  };
});

const logger = pino({ level: "silent" });
let dir: string;
let t: TestDatabase;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "inlet-worker-disk-full-"));
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
  await rm(dir, { recursive: true, force: true });
});

/**
 * A lake whose disk is full for curated files while `full` is set: each such write fails as the file
 * system answers a full disk (ENOSPC), counted in `refused`. Raw batches still go in.
 */
class CuratedDiskFull extends LocalFsObjectStore {
  full = false;
  refused = 0;
  protected override syncDirectory(d: string): Promise<void> {
    if (this.full && d.includes(`${sep}curated${sep}`)) {
      this.refused += 1;
      return Promise.reject(Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }));
    }
    return super.syncDirectory(d);
  }
}

const catalogOf = () => new PgCatalog(t.db);

/** A worker flushing every 50 ms under a 1 s lease, with what a test sets besides. */
function startTestWorker(store: LocalFsObjectStore, queue: PgQueue, config: WorkerConfig = {}) {
  return startWorker({
    catalog: catalogOf(),
    store,
    queue,
    logger,
    config: {
      flushIntervalMs: 50,
      deadDrainIntervalMs: 100,
      compactIntervalMs: 0,
      landing: "off",
      leaseMs: 1000,
      ...config,
    },
  });
}

const committedBatches = (sourceId: string) =>
  t.db.prisma.batch.count({ where: { sourceId, status: "committed" } });

async function untilCommitted(what: string, sourceId: string, n: number): Promise<void> {
  await waitUntil(what, async () => (await committedBatches(sourceId)) === n, 20_000);
}

/** No batch spent into a poison dead letter or handed back; every valid event in curated once. */
async function expectAllLandedOnce(
  worker: Awaited<ReturnType<typeof startWorker>>,
  store: LocalFsObjectStore,
  slug: string,
  validIds: Set<string>,
): Promise<void> {
  expect(await t.db.prisma.deadLetter.count({ where: { reasonCode: "POISON_BATCH" } })).toBe(0);
  expect((await worker.metrics.batchesRetried.get()).values[0]?.value ?? 0).toBe(0);
  const rows = await readCommittedRows({ catalog: catalogOf(), store }, `curated.${slug}`, "_event_id");
  expect(new Set(rows.map((r) => String(r._event_id)))).toEqual(validIds);
  expect(rows.length).toBe(validIds.size);
}

describe("worker on a full lake disk", () => {
  it("waits for space holding its batches, then commits them: none is spent into a poison dead letter", async () => {
    const store = new CuratedDiskFull(join(dir, "lake-full"));
    // Two receives: without the wait, the second failed flush would dead-letter every batch.
    const queue = new PgQueue({ pool: t.db.pool, maxReceives: 2 });
    const src = await createTestSource(t.db);
    const gen = generateOrderBatches({ batches: 3, perBatch: 20, seed: 11 });
    store.full = true;
    for (const lines of gen.batches)
      await enqueueRawBatch({ catalog: catalogOf(), store, queue }, src, lines);
    const worker = await startTestWorker(store, queue);
    try {
      await waitUntil("the flush to meet the full disk", async () => store.refused >= 3);
      // Full for several leases: the flush holds its batches meanwhile (renewed), nothing is redelivered.
      await new Promise((r) => setTimeout(r, 3000));
      expect(await committedBatches(src.id)).toBe(0);
      store.full = false;
      await untilCommitted("all batches committed once the disk has room", src.id, 3);
    } finally {
      await worker.stop();
      await queue.close();
    }
    expect((await worker.metrics.diskFullWaits.get()).values[0]?.value ?? 0).toBeGreaterThan(0);
    await expectAllLandedOnce(worker, store, src.slug, gen.validIds);
  }, 60_000);

  it("holds its batches past the longest hold while the disk stays full, and starts no other flush meanwhile", async () => {
    const store = new CuratedDiskFull(join(dir, "lake-long"));
    // Two receives, a 2 s longest hold and three flush slots: a hold that ran out would hand the batch
    // to an idle slot, whose own wait would spend its second receive and dead-letter it.
    const queue = new PgQueue({ pool: t.db.pool, maxReceives: 2 });
    const src = await createTestSource(t.db);
    const gen = generateOrderBatches({ batches: 2, perBatch: 10, seed: 12 });
    store.full = true;
    await enqueueRawBatch({ catalog: catalogOf(), store, queue }, src, gen.batches[0]!);
    const worker = await startTestWorker(store, queue, { maxHoldMs: 2000, concurrency: 3 });
    try {
      await waitUntil("the flush to meet the full disk", async () => store.refused >= 1);
      // A batch arriving while the disk is full waits in the queue, not in a second waiting flush (once
      // the receives under way when the disk filled have ended: they last the 50 ms interval).
      await new Promise((r) => setTimeout(r, 300));
      const later = await enqueueRawBatch({ catalog: catalogOf(), store, queue }, src, gen.batches[1]!);
      await new Promise((r) => setTimeout(r, 6000));
      // The first batch is still leased to the waiting flush (renewed three times past its longest hold).
      const { rows } = await t.db.pool.query<{ batch_id: string; receive_count: number; leased: boolean }>(
        "SELECT body->>'batchId' AS batch_id, receive_count, visible_at > now() AS leased FROM queue_messages ORDER BY id",
      );
      expect(rows.map((r) => [r.receive_count, r.leased])).toEqual([
        [1, true],
        [0, false],
      ]);
      expect(rows[1]?.batch_id).toBe(later.batchId);
      store.full = false;
      await untilCommitted("both batches committed once the disk has room", src.id, 2);
    } finally {
      await worker.stop();
      await queue.close();
    }
    expect((await worker.metrics.batchLeasesLost.get()).values[0]?.value ?? 0).toBe(0);
    await expectAllLandedOnce(worker, store, src.slug, gen.validIds);
  }, 60_000);

  it("waits for room in a full scratch folder holding its batches, then commits them", async () => {
    const store = new LocalFsObjectStore(join(dir, "lake-scratch"));
    const queue = new PgQueue({ pool: t.db.pool, maxReceives: 2 });
    const src = await createTestSource(t.db);
    const gen = generateOrderBatches({ batches: 3, perBatch: 20, seed: 13 });
    for (const lines of gen.batches)
      await enqueueRawBatch({ catalog: catalogOf(), store, queue }, src, lines);
    scratch.full = true;
    scratch.refused = 0;
    const worker = await startTestWorker(store, queue, { maxHoldMs: 2000 });
    try {
      await waitUntil("the flush to meet the full scratch folder", async () => scratch.refused >= 3);
      // Past the longest hold: the batches stay leased to the waiting flush, none is received twice.
      await new Promise((r) => setTimeout(r, 4000));
      const { rows } = await t.db.pool.query<{ receive_count: number }>(
        "SELECT receive_count FROM queue_messages WHERE receive_count > 1",
      );
      expect(rows).toEqual([]);
      expect(await committedBatches(src.id)).toBe(0);
      scratch.full = false;
      await untilCommitted("all batches committed once the scratch folder has room", src.id, 3);
    } finally {
      scratch.full = false;
      await worker.stop();
      await queue.close();
    }
    expect((await worker.metrics.diskFullWaits.get()).values[0]?.value ?? 0).toBeGreaterThan(0);
    await expectAllLandedOnce(worker, store, src.slug, gen.validIds);
  }, 60_000);

  it("stops promptly while a flush waits for space, handing its batches back", async () => {
    const store = new CuratedDiskFull(join(dir, "lake-stop"));
    const queue = new PgQueue({ pool: t.db.pool });
    const src = await createTestSource(t.db);
    store.full = true;
    const batch = await enqueueRawBatch({ catalog: catalogOf(), store, queue }, src, [
      JSON.stringify({ id: "s1", amount: 1, created_at: "2024-05-01T00:00:00Z" }),
    ]);
    const worker = await startTestWorker(store, queue);
    try {
      await waitUntil("the flush to meet the full disk", async () => store.refused >= 1);
      const started = Date.now();
      await worker.stop();
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await t.db.prisma.batch.findUniqueOrThrow({ where: { id: batch.batchId } })).status).toBe(
        "received",
      );
    } finally {
      await worker.stop();
      await queue.close();
    }
  }, 60_000);
});
