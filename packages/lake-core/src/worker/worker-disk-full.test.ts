import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { startWorker } from "./worker";

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

describe("worker on a full lake disk", () => {
  it("waits for space holding its batches, then commits them: none is spent into a poison dead letter", async () => {
    const store = new CuratedDiskFull(join(dir, "lake-full"));
    // Two receives: without the wait, the second failed flush would dead-letter every batch.
    const queue = new PgQueue({ pool: t.db.pool, maxReceives: 2 });
    const src = await createTestSource(t.db);
    const gen = generateOrderBatches({ batches: 3, perBatch: 20, seed: 11 });
    store.full = true;
    for (const lines of gen.batches)
      await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, lines);
    const worker = await startWorker({
      catalog: new PgCatalog(t.db),
      store,
      queue,
      logger,
      config: {
        flushIntervalMs: 50,
        deadDrainIntervalMs: 100,
        compactIntervalMs: 0,
        landing: "off",
        leaseMs: 1000,
      },
    });
    try {
      await waitUntil("the flush to meet the full disk", async () => store.refused >= 3);
      // Full for several leases: the flush holds its batches meanwhile (renewed), nothing is redelivered.
      await new Promise((r) => setTimeout(r, 3000));
      expect(await t.db.prisma.batch.count({ where: { sourceId: src.id, status: "committed" } })).toBe(0);
      store.full = false;
      await waitUntil(
        "all batches committed once the disk has room",
        async () =>
          (await t.db.prisma.batch.count({ where: { sourceId: src.id, status: "committed" } })) === 3,
        20_000,
      );
    } finally {
      await worker.stop();
      await queue.close();
    }
    expect(await t.db.prisma.deadLetter.count({ where: { reasonCode: "POISON_BATCH" } })).toBe(0);
    expect((await worker.metrics.batchesRetried.get()).values[0]?.value ?? 0).toBe(0);
    expect((await worker.metrics.diskFullWaits.get()).values[0]?.value ?? 0).toBeGreaterThan(0);
    const rows = await readCommittedRows(
      { catalog: new PgCatalog(t.db), store },
      `curated.${src.slug}`,
      "_event_id",
    );
    expect(new Set(rows.map((r) => String(r._event_id)))).toEqual(gen.validIds);
    expect(rows.length).toBe(gen.validIds.size);
  }, 60_000);

  it("stops promptly while a flush waits for space, handing its batches back", async () => {
    const store = new CuratedDiskFull(join(dir, "lake-stop"));
    const queue = new PgQueue({ pool: t.db.pool });
    const src = await createTestSource(t.db);
    store.full = true;
    const batch = await enqueueRawBatch({ catalog: new PgCatalog(t.db), store, queue }, src, [
      JSON.stringify({ id: "s1", amount: 1, created_at: "2024-05-01T00:00:00Z" }),
    ]);
    const worker = await startWorker({
      catalog: new PgCatalog(t.db),
      store,
      queue,
      logger,
      config: { flushIntervalMs: 50, compactIntervalMs: 0, landing: "off" },
    });
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
