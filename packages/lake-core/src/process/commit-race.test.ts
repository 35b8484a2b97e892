// A flush whose reserved ids another flush commits before it does (copies in flight at once): its files
// are rewritten without them in its commit, each id is stored once and the counts say so.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgDedupeIndex } from "../adapters/pg-dedupe-index";
import { PgCatalog } from "../catalog/pg-catalog";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import type { DedupeIndex } from "../ports/dedupe-index";
import { createTestSource, enqueueRawBatch, readCommittedRows } from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { type ProcessDeps, processBatches } from "./process-batches";

let bed: PipelineTestBed;
let catalog: PgCatalog;
let deps: ProcessDeps;

beforeAll(async () => {
  bed = await startPipelineTestBed("commit-race", { maxReceives: 5 });
  catalog = new PgCatalog(bed.t.db);
  deps = { catalog, store: bed.store, queue: bed.queue, duck: bed.duck, tmpDir: join(bed.dir, "tmp") };
});

afterAll(async () => {
  await bed?.close();
});

const order = (id: string) =>
  JSON.stringify({ id, amount: 1, qty: 1, paid: true, created_at: "2024-05-01T10:00:00Z", tags: [] });

async function messagesOf(batchIds: string[]) {
  const got = await bed.queue.receive(BATCHES_QUEUE, { max: 100, visibilityTimeoutMs: 60_000 });
  const mine = got.filter((m) => batchIds.includes(String(m.body.batchId)));
  for (const m of got) if (!mine.includes(m)) await bed.queue.nack(BATCHES_QUEUE, m, { delayMs: 0 });
  return mine;
}

describe("a flush racing another for the same ids", () => {
  it("rewrites its files without the ids the other committed after its reservation", async () => {
    const src = await createTestSource(bed.t.db);
    const pipe = { catalog, store: bed.store, queue: bed.queue };
    const slow = await enqueueRawBatch(pipe, src, [order("x1"), order("x2"), order("x3")]);
    const fast = await enqueueRawBatch(pipe, src, [order("x1"), order("x3")]);
    const [slowMsg] = await messagesOf([slow.batchId]);
    const [fastMsg] = await messagesOf([fast.batchId]);

    // The slow flush's reservation finds x1..x3 free; the fast flush then commits x1 and x3.
    const inner = new PgDedupeIndex(catalog);
    const racing: DedupeIndex = {
      kind: "postgres",
      claimed: (s, ids) => inner.claimed(s, ids),
      commit: (tx, s, claims, r) => inner.commit(tx, s, claims, r),
      release: (s, claims, tx) => inner.release(s, claims, tx),
      close: () => inner.close(),
      async reserve(s, hours, claims) {
        const r = await inner.reserve(s, hours, claims);
        const fastOut = await processBatches({ ...deps, dedupe: inner }, [fastMsg!]);
        expect(fastOut).toMatchObject({ committed: 1, accepted: 2 });
        return r;
      },
    };
    const out = await processBatches({ ...deps, dedupe: racing }, [slowMsg!]);
    expect(out).toMatchObject({ committed: 1, accepted: 1, duplicates: 2, retried: 0 });

    const rows = await readCommittedRows(
      { catalog, store: bed.store },
      `curated.${src.slug}`,
      "_event_id, _batch_id",
    );
    expect(
      rows.map((r) => `${String(r._event_id)}:${r._batch_id === slow.batchId ? "slow" : "fast"}`).sort(),
    ).toEqual(["x1:fast", "x2:slow", "x3:fast"]);
    const states = await catalog.batchStates([slow.batchId]);
    expect(states.get(slow.batchId)?.status).toBe("committed");
  });
});
