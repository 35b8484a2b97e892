import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import type { ArchiveRule } from "../ports/object-store";
import { processBatches } from "../process/process-batches";
import { createTestSource, enqueueRawBatch, readCommittedRows } from "../testing/pipeline-fixtures";
import { usePipelineTestBed } from "../testing/pipeline-test-bed";
import { applyRetention, type RetentionApplied, retentionCutoff, syncRawArchiveRules } from "./retention";

const NOW = new Date("2024-06-15T12:00:00Z");
const DAY = 86_400_000;

const event = (id: string, day: string) => JSON.stringify({ id, amount: 1, created_at: `${day}T10:00:00Z` });

describe("retention", () => {
  const bed = usePipelineTestBed("retention");

  async function processAll() {
    const { catalog, store, queue, duck, dir } = bed;
    await processBatches(
      { catalog, store, queue, duck, tmpDir: join(dir, "tmp") },
      await queue.receive(BATCHES_QUEUE, { max: 100 }),
    );
  }

  it("keeps the cutoff day itself: today minus the retention", () => {
    expect(retentionCutoff(NOW, 30)).toBe("2024-05-16");
    expect(retentionCutoff(new Date("2024-03-01T00:00:00Z"), 1)).toBe("2024-02-29");
  });

  it("drops curated partitions past the source's retention in one snapshot, once, and tells who asked", async () => {
    const source = await createTestSource(bed.t.db, { retentionDays: 30 });
    await enqueueRawBatch(bed, source, [
      event("old-1", "2024-04-01"),
      event("old-2", "2024-05-15"),
      event("kept-1", "2024-05-16"),
      event("kept-2", "2024-06-15"),
    ]);
    await processAll();
    const applied: RetentionApplied[] = [];
    const first = await applyRetention(bed, { now: NOW, onApplied: (a) => void applied.push(a) });
    const mine = first.tables.filter((t) => t.source === source.slug);
    expect(mine).toEqual([
      expect.objectContaining({
        table: `curated.${source.slug}`,
        before: "2024-05-16",
        partitions: ["dt=2024-04-01", "dt=2024-05-15"],
        files: 2,
        rows: 2,
      }),
    ]);
    expect(applied.filter((a) => a.source === source.slug)).toEqual(mine);

    const rows = await readCommittedRows(bed, `curated.${source.slug}`, "_event_id");
    expect(rows.map((r) => r._event_id)).toEqual(["kept-1", "kept-2"]);
    const snapshots = await bed.t.db.pool.query<{
      operation: string;
      removed_files: number;
      summary: unknown;
    }>(
      `SELECT s.operation::text AS operation, s.removed_files, s.summary FROM snapshots s
       JOIN lake_tables t ON t.id = s.table_id WHERE t.name = $1 ORDER BY s.seq`,
      [`curated.${source.slug}`],
    );
    expect(snapshots.rows.map((r) => r.operation)).toEqual(["append", "retention"]);
    expect(snapshots.rows[1]).toMatchObject({
      removed_files: 2,
      summary: { before: "2024-05-16", removedRows: 2 },
    });

    // Nothing older is left: no second snapshot.
    const again = await applyRetention(bed, { now: NOW });
    expect(again.tables.filter((t) => t.source === source.slug)).toEqual([]);
  });

  it("deletes committed raw batches past the raw retention, objects and rows, and keeps waiting ones", async () => {
    const source = await createTestSource(bed.t.db);
    await bed.t.db.prisma.source.update({ where: { id: source.id }, data: { rawRetentionDays: 7 } });
    const old = await enqueueRawBatch(bed, source, [event("r1", "2024-06-01")], {
      receivedAt: new Date(NOW.getTime() - 8 * DAY),
    });
    const recent = await enqueueRawBatch(bed, source, [event("r2", "2024-06-10")], {
      receivedAt: new Date(NOW.getTime() - 6 * DAY),
    });
    await processAll();
    const waiting = await enqueueRawBatch(bed, source, [event("r3", "2024-06-01")], {
      receivedAt: new Date(NOW.getTime() - 9 * DAY),
    });

    const result = await applyRetention(bed, { now: NOW });
    expect(result.rawBatches).toBe(1);
    expect(await bed.store.head(old.rawKey)).toBeUndefined();
    expect(await bed.store.head(recent.rawKey)).toBeDefined();
    expect(await bed.store.head(waiting.rawKey)).toBeDefined();
    const states = await bed.catalog.batchStates([old.batchId, recent.batchId, waiting.batchId]);
    expect([...states.keys()].sort()).toEqual([recent.batchId, waiting.batchId].sort());
    // The events stay in curated: raw retention only removes the raw copies.
    const rows = await readCommittedRows(bed, `curated.${source.slug}`, "_event_id");
    expect(rows.map((r) => r._event_id)).toEqual(["r1", "r2"]);
  });

  it("asks a store with storage classes for one archive rule per source with a raw archive age", async () => {
    const source = await createTestSource(bed.t.db);
    await bed.t.db.prisma.source.update({ where: { id: source.id }, data: { rawArchiveDays: 45 } });
    const asked: ArchiveRule[][] = [];
    const store = Object.assign(Object.create(bed.store), {
      setArchiveRules: async (rules: ArchiveRule[]) => {
        asked.push(rules);
        return { changed: true };
      },
    });
    expect(await syncRawArchiveRules({ catalog: bed.catalog, store })).toEqual({ changed: true });
    expect(asked).toEqual([[{ name: `raw/${source.slug}`, prefix: `raw/${source.slug}/`, days: 45 }]]);
    // A local folder has no storage classes: nothing to do.
    expect(await syncRawArchiveRules(bed)).toBeUndefined();
  });
});
