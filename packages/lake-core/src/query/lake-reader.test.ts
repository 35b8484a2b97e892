import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine, type DuckDbQueryEngine } from "../adapters/duckdb-engine";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import { processBatches } from "../process/process-batches";
import { MemoryQueryHistory } from "../testing/memory-query-history";
import { createTestSource, enqueueRawBatch } from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { LakeReader, type Reader } from "./lake-reader";

let bed: PipelineTestBed;
let engine: DuckDbQueryEngine;
let lake: LakeReader;
const analyst: Reader = { userId: "u1", roles: ["analyst"] };

const order = (id: string, amount: unknown = 10) =>
  JSON.stringify({ id, amount, created_at: `2024-05-01T10:00:0${id.length % 10}Z` });

async function ingest(slug: { id: string; slug: string }, lines: string[]) {
  await enqueueRawBatch(bed, slug, lines);
  const msgs = await bed.queue.receive(BATCHES_QUEUE, { max: 10 });
  await processBatches({ ...bed, tmpDir: join(bed.dir, "tmp") }, msgs);
}

beforeAll(async () => {
  bed = await startPipelineTestBed("lake-reader");
  engine = createDuckDbEngine({ store: bed.store, threads: 1 });
  lake = new LakeReader({ catalog: bed.catalog, engine, history: new MemoryQueryHistory() });
});
afterAll(async () => {
  await engine?.close();
  await bed?.close();
});

describe("LakeReader", () => {
  it("previews a table at its committed snapshot only", async () => {
    const src = await createTestSource(bed.t.db);
    await ingest(src, [order("a1"), order("a2"), order("a3", "not a number")]);
    // A file no commit names (a flush that never committed) is never read.
    await bed.store.put(
      `curated/${src.slug}/dt=2024-05-01/uncommitted.parquet`,
      await bed.store
        .get((await bed.catalog.tableSnapshot(`curated.${src.slug}`))!.files[0]!.path)
        .then((b) => b!),
    );
    const preview = await lake.previewTable(analyst, `curated.${src.slug}`);
    expect(preview.rows.map((r) => r._event_id).sort()).toEqual(["a1", "a2"]);
    expect([preview.truncated, preview.snapshotSeq]).toEqual([false, 1]);
    expect(preview.columns.map((c) => c.name)).toEqual(
      expect.arrayContaining(["id", "amount", "_event_time", "dt"]),
    );
    expect(preview.bytesScanned).toBeGreaterThan(0);
  });

  it("caps a preview at 100 rows and shows a table with no files yet by its columns", async () => {
    const src = await createTestSource(bed.t.db);
    await ingest(
      src,
      Array.from({ length: 150 }, (_, i) => order(`p${i}`)),
    );
    const capped = await lake.previewTable(analyst, `curated.${src.slug}`, 1000);
    expect([capped.rows.length, capped.truncated]).toEqual([100, true]);
    expect((await lake.previewTable(analyst, `curated.${src.slug}`, 5)).rows).toHaveLength(5);

    const empty = await createTestSource(bed.t.db);
    const record = await bed.catalog.getSource(empty.id);
    await bed.catalog.ensureCuratedTable(record!, () => [
      { name: "id", type: "VARCHAR" },
      { name: "_event_time", type: "TIMESTAMPTZ" },
    ]);
    const none = await lake.previewTable(analyst, `curated.${empty.slug}`);
    expect([none.rows, none.columns.map((c) => c.name)]).toEqual([[], ["id", "_event_time"]]);
    await expect(lake.previewTable(analyst, "curated.missing")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("reads a preview from the newest files only", async () => {
    const src = await createTestSource(bed.t.db);
    for (const b of [1, 2, 3])
      await ingest(
        src,
        Array.from({ length: 10 }, (_, i) => order(`n${b}-${i}`)),
      );
    const view = await bed.catalog.tableSnapshot(`curated.${src.slug}`);
    const newest = view!.files.reduce((a, f) => (f.addedSeq > a.addedSeq ? f : a));
    const preview = await lake.previewTable(analyst, `curated.${src.slug}`, 5);
    expect(preview.rows).toHaveLength(5);
    expect(new Set(preview.rows.map((r) => String(r._event_id).slice(0, 2)))).toEqual(new Set(["n3"]));
    expect([preview.truncated, preview.snapshotSeq]).toEqual([true, 3]);
    // Only the newest file is read: at most its bytes (its column chunks, as the engine measures them).
    expect(preview.bytesScanned).toBeGreaterThan(0);
    expect(preview.bytesScanned).toBeLessThanOrEqual(newest.bytes);
  });

  it("shows a source's latest events newest ingested first, from its newest files", async () => {
    const src = await createTestSource(bed.t.db);
    for (const b of [1, 2, 3]) await ingest(src, [order(`l${b}-a`), order(`l${b}-b`)]);
    const latest = await lake.latestEvents(analyst, `curated.${src.slug}`, 3);
    expect(latest.rows).toHaveLength(3);
    expect(latest.rows.slice(0, 2).map((r) => String(r._event_id).slice(0, 2))).toEqual(["l3", "l3"]);
    expect(String(latest.rows[2]?._event_id).slice(0, 2)).toBe("l2");
    const ingestedAt = latest.rows.map((r) => String(r._ingested_at));
    expect(ingestedAt).toEqual([...ingestedAt].sort().reverse());
    expect([latest.truncated, latest.snapshotSeq]).toEqual([true, 3]);
    expect((await lake.latestEvents(analyst, `curated.${src.slug}`, 500)).rows).toHaveLength(6);
  });

  it("reads one recent event by its id as it landed, and nothing for an id it does not hold", async () => {
    const src = await createTestSource(bed.t.db);
    await ingest(src, [order("r1", 12.5), order("r2'; DROP", 3)]);
    const found = await lake.recentEvent(analyst, `curated.${src.slug}`, "r1");
    expect(found.row).toMatchObject({ id: "r1", amount: 12.5, _event_id: "r1" });
    expect(found.columns.map((c) => c.name)).toEqual(expect.arrayContaining(["id", "_ingested_at", "dt"]));
    expect((await lake.recentEvent(analyst, `curated.${src.slug}`, "r2'; DROP")).row?.id).toBe("r2'; DROP");
    expect((await lake.recentEvent(analyst, `curated.${src.slug}`, "nope")).row).toBeUndefined();
    await expect(lake.recentEvent(analyst, "curated.missing", "r1")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("lists and reads dead letters with their payloads", async () => {
    const src = await createTestSource(bed.t.db);
    await ingest(src, [order("d1", "x"), order("d2")]);
    const page = await lake.listDeadLetters(analyst, { sourceId: src.id, status: "open" }, { limit: 10 });
    expect(page.items.map((d) => [d.eventId, d.reasonCode])).toEqual([["d1", "SCHEMA_VIOLATION"]]);
    const letter = await lake.deadLetter(analyst, page.items[0]!.id);
    expect(JSON.parse(letter.payload)).toMatchObject({ id: "d1", amount: "x" });
    expect(await lake.countDeadLettersByReason(analyst, { sourceId: src.id, status: "open" })).toEqual([
      { reasonCode: "SCHEMA_VIOLATION", count: 1 },
    ]);
    await expect(lake.deadLetter(analyst, "missing")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
