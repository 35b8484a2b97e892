import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTestSource, generateOrderBatches, readCommittedRows } from "../testing/pipeline-fixtures";
import { commitBatchesOneByOne, usePipelineTestBed } from "../testing/pipeline-test-bed";
import { compactTable, planCompaction } from "./compact";

const bed = usePipelineTestBed("compact");

describe("compaction", () => {
  it("plans merges only for partitions with enough small files", () => {
    const f = (partition: string, bytes: number, addedSeq: number) => ({
      id: `${partition}-${addedSeq}`,
      path: `p/${partition}/${addedSeq}`,
      partition,
      rowCount: 1,
      bytes,
      minEventTime: undefined,
      maxEventTime: undefined,
      addedSeq,
    });
    const files = [
      f("dt=1", 10, 1),
      f("dt=1", 10, 2),
      f("dt=1", 10, 3),
      f("dt=1", 1000, 4),
      f("dt=2", 10, 1),
      f("dt=2", 10, 2),
    ];
    const groups = planCompaction(files, { minFiles: 3, targetFileBytes: 100 });
    expect(groups.map((g) => g.map((x) => x.id))).toEqual([["dt=1-1", "dt=1-2", "dt=1-3"]]);
    const split = planCompaction(files, { minFiles: 3, targetFileBytes: 25 });
    expect(split.map((g) => g.length)).toEqual([2]);
  });

  it("keeps the row set identical, reduces the file count and leaves old snapshots readable", async () => {
    const src = await createTestSource(bed.t.db);
    const gen = generateOrderBatches({ batches: 12, perBatch: 50, seed: 3 });
    // One flush per batch: many small files per partition.
    await commitBatchesOneByOne(bed, src, gen.batches);
    const table = `curated.${src.slug}`;
    const before = await bed.catalog.tableSnapshot(table);
    const rowsBefore = await readCommittedRows(bed, table);
    expect(rowsBefore.length).toBe(gen.validIds.size);

    const result = await compactTable({ ...bed, tmpDir: join(bed.dir, "tmp") }, table, {
      minFiles: 4,
    });
    expect(result.filesRemoved).toBe(before!.files.length);
    expect(result.filesAdded).toBe(result.partitions);

    const after = await bed.catalog.tableSnapshot(table);
    expect(after!.files.length).toBe(result.partitions);
    expect(after!.files.length).toBeLessThan(before!.files.length);
    expect(after!.seq).toBe(before!.seq + result.filesAdded);
    expect(after!.files.reduce((n, f) => n + f.rowCount, 0)).toBe(gen.validIds.size);
    const rowsAfter = await readCommittedRows(bed, table);
    expect(rowsAfter).toEqual(rowsBefore);

    // Readers that listed files at the old snapshot can still open them.
    for (const f of before!.files) expect(await bed.store.head(f.path)).toBeDefined();
    const snap = await bed.t.db.prisma.snapshot.findFirstOrThrow({
      where: { table: { name: table }, operation: "compact" },
    });
    expect(snap.removedFiles).toBeGreaterThan(1);

    const again = await compactTable({ ...bed, tmpDir: join(bed.dir, "tmp") }, table, {
      minFiles: 4,
    });
    expect(again.filesAdded).toBe(0);
  });
});
