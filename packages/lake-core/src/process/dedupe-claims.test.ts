// The worker's flushes with the Redis dedupe index: a copy is dropped only against a committed claim; a
// copy whose id an in-flight batch claimed is handed back (not stored, not dropped) and lands or is
// dropped once that batch committed or failed.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchOwnerStates } from "../adapters/dedupe-index-factory";
import { RedisDedupeIndex } from "../adapters/redis-dedupe-index";
import { PgCatalog } from "../catalog/pg-catalog";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import { createTestSource, enqueueRawBatch, readCommittedRows } from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { ensureTestRedis, TEST_REDIS_URL } from "../testing/redis-server";
import { type ProcessDeps, processBatches } from "./process-batches";

const keyPrefix = `inlet_test_${randomBytes(4).toString("hex")}:`;
let bed: PipelineTestBed;
let redis: { stop(): Promise<void> };
let dedupe: RedisDedupeIndex;
let catalog: PgCatalog;
let deps: ProcessDeps;

beforeAll(async () => {
  redis = await ensureTestRedis();
  bed = await startPipelineTestBed("dedupe-claims", { maxReceives: 5 });
  catalog = new PgCatalog(bed.t.db);
  dedupe = await RedisDedupeIndex.connect({
    url: TEST_REDIS_URL,
    keyPrefix,
    ownerStates: batchOwnerStates(catalog),
    holdWaitMs: 200,
  });
  deps = {
    catalog,
    store: bed.store,
    queue: bed.queue,
    duck: bed.duck,
    tmpDir: join(bed.dir, "tmp"),
    dedupe,
  };
});

afterAll(async () => {
  const admin = new Redis(TEST_REDIS_URL);
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await dedupe?.close();
  await bed?.close();
  await redis?.stop();
});

const order = (id: string) =>
  JSON.stringify({ id, amount: 1, qty: 1, paid: true, created_at: "2024-05-01T10:00:00Z", tags: [] });

/** Receives every waiting message and processes those of the given batches (the others go back). */
async function process(batchIds: string[]) {
  const got = await bed.queue.receive(BATCHES_QUEUE, { max: 100, visibilityTimeoutMs: 60_000 });
  const mine = got.filter((m) => batchIds.includes(String(m.body.batchId)));
  for (const m of got) if (!mine.includes(m)) await bed.queue.nack(BATCHES_QUEUE, m, { delayMs: 0 });
  return processBatches(deps, mine);
}

async function curatedIds(slug: string): Promise<string[]> {
  const rows = await readCommittedRows({ catalog, store: bed.store }, `curated.${slug}`, "_event_id");
  return rows.map((r) => String(r._event_id)).sort();
}

describe("flushes with the Redis dedupe index", () => {
  it("drops a copy only once the batch that claimed its id committed", async () => {
    const src = await createTestSource(bed.t.db);
    const pipe = { catalog, store: bed.store, queue: bed.queue };
    const first = await enqueueRawBatch(pipe, src, [order("o1")]);
    const copy = await enqueueRawBatch(pipe, src, [order("o1"), order("o2")]);
    // The first batch's flush claimed o1 and has not committed (a worker still at it, or crashed).
    await dedupe.reserve(src.id, 168, [{ id: "o1", owner: first.batchId }]);

    const held = await process([copy.batchId]);
    expect(held).toMatchObject({ committed: 0, retried: 1, duplicates: 0 });
    expect(await curatedIds(src.slug)).toEqual([]);

    expect(await process([first.batchId])).toMatchObject({ committed: 1, accepted: 1 });
    expect(await process([copy.batchId])).toMatchObject({ committed: 1, accepted: 1, duplicates: 1 });
    expect(await curatedIds(src.slug)).toEqual(["o1", "o2"]);
  });

  it("lands a copy whose id was claimed by a batch that then failed", async () => {
    const src = await createTestSource(bed.t.db);
    const pipe = { catalog, store: bed.store, queue: bed.queue };
    const failed = await enqueueRawBatch(pipe, src, [order("f1")]);
    const copy = await enqueueRawBatch(pipe, src, [order("f1")]);
    await dedupe.reserve(src.id, 168, [{ id: "f1", owner: failed.batchId }]);
    await catalog.transaction((tx) => tx.markBatchesFailed([failed.batchId]));

    expect(await process([copy.batchId])).toMatchObject({ committed: 1, accepted: 1, duplicates: 0 });
    expect(await curatedIds(src.slug)).toEqual(["f1"]);
  });

  it("lets a batch redelivered after a crash between its claims and its commit store its events", async () => {
    const src = await createTestSource(bed.t.db);
    const pipe = { catalog, store: bed.store, queue: bed.queue };
    const batch = await enqueueRawBatch(pipe, src, [order("r1"), order("r2")]);
    await dedupe.reserve(src.id, 168, [
      { id: "r1", owner: batch.batchId },
      { id: "r2", owner: batch.batchId },
    ]);
    expect(await process([batch.batchId])).toMatchObject({ committed: 1, accepted: 2, duplicates: 0 });
    expect(await curatedIds(src.slug)).toEqual(["r1", "r2"]);
  });
});
