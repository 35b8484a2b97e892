// Dead letters are deduplicated like curated rows: the worker records an invalid event its producer sent
// again (in later batches, in one flush or several, by workers at once) as copies of one open letter;
// another cause, or an event without an id of its own, is a letter of its own.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import { createTestSource, enqueueRawBatch, type TestSource } from "../testing/pipeline-fixtures";
import { usePipelineTestBed } from "../testing/pipeline-test-bed";
import { type ProcessDeps, processBatches } from "./process-batches";

const bed = usePipelineTestBed("copies");
const deps = (): ProcessDeps => ({
  catalog: bed.catalog,
  store: bed.store,
  queue: bed.queue,
  duck: bed.duck,
  tmpDir: join(bed.dir, "tmp"),
});

const order = (id: string | undefined, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...(id === undefined ? {} : { id }),
    amount: 12.5,
    qty: 2,
    created_at: "2024-05-01T10:00:00Z",
    ...extra,
  });

async function enqueue(src: TestSource, lines: string[]) {
  return enqueueRawBatch({ catalog: bed.catalog, store: bed.store, queue: bed.queue }, src, lines);
}

async function processAll(): Promise<void> {
  for (;;) {
    const got = await bed.queue.receive(BATCHES_QUEUE, { max: 50, visibilityTimeoutMs: 60_000 });
    if (got.length === 0) return;
    await processBatches(deps(), got);
  }
}

async function letters(src: TestSource) {
  const rows = await bed.t.db.prisma.deadLetter.findMany({ where: { sourceId: src.id } });
  return rows
    .map((d) => [d.eventId, d.reasonCode, d.path, d.copies, d.status] as const)
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

async function rejected(batchId: string) {
  return (await bed.t.db.prisma.batch.findUniqueOrThrow({ where: { id: batchId } })).rejected;
}

describe("the worker's dead letters", () => {
  it("records an invalid event sent again in later batches as copies of one letter, the first copy kept", async () => {
    const src = await createTestSource(bed.t.db);
    const first = await enqueue(src, [order("d1", { amount: "x" }), order("ok1")]);
    await processAll();
    const second = await enqueue(src, [order("d1", { amount: "y" })]);
    await processAll();
    expect(await letters(src)).toEqual([["d1", "SCHEMA_VIOLATION", "/amount", 2, "open"]]);
    const letter = await bed.t.db.prisma.deadLetter.findFirstOrThrow({ where: { sourceId: src.id } });
    expect(letter.batchId).toBe(first.batchId);
    expect(letter.payload).toContain('"x"');
    expect(letter.lastReceivedAt.getTime()).toBeGreaterThanOrEqual(letter.createdAt.getTime());
    // Each batch still counts the event it rejected.
    expect([await rejected(first.batchId), await rejected(second.batchId)]).toEqual([1, 1]);
  });

  it("merges copies in one flush, in one batch, and from workers committing at once", async () => {
    const src = await createTestSource(bed.t.db);
    await enqueue(src, [order("d2", { amount: "x" }), order("d2", { amount: "x" })]);
    await enqueue(src, [order("d2", { amount: "x" })]);
    await processAll();
    expect(await letters(src)).toEqual([["d2", "SCHEMA_VIOLATION", "/amount", 3, "open"]]);

    const other = await createTestSource(bed.t.db);
    for (let i = 0; i < 4; i++) await enqueue(other, [order("d3", { amount: "x" }), order(`v${i}`)]);
    const got = await bed.queue.receive(BATCHES_QUEUE, { max: 50, visibilityTimeoutMs: 60_000 });
    expect(got).toHaveLength(4);
    await Promise.all([0, 1, 2, 3].map((i) => processBatches(deps(), [got[i]!])));
    expect(await letters(other)).toEqual([["d3", "SCHEMA_VIOLATION", "/amount", 4, "open"]]);
  });

  it("keeps a letter per cause, and never merges events without an id of their own", async () => {
    const src = await createTestSource(bed.t.db);
    const lines = [
      order("d4", { amount: "x" }),
      order("d4", { qty: 1.5 }),
      "{not json",
      order(undefined, { amount: "x" }),
    ];
    await enqueue(src, lines);
    await enqueue(src, lines);
    await processAll();
    const got = await letters(src);
    expect(got.filter((l) => l[0] === "d4")).toEqual([
      ["d4", "SCHEMA_VIOLATION", "/amount", 2, "open"],
      ["d4", "SCHEMA_VIOLATION", "/qty", 2, "open"],
    ]);
    // The unreadable line and the event given an id at ingest: once per batch each, never merged.
    const rest = got.filter((l) => l[0] !== "d4");
    expect(rest).toHaveLength(4);
    expect(rest.every((l) => l[3] === 1)).toBe(true);
  });
});
