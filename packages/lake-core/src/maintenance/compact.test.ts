import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTestSource, generateOrderBatches, readCommittedRows } from "../testing/pipeline-fixtures";
import { commitBatchesOneByOne, usePipelineTestBed } from "../testing/pipeline-test-bed";
import { compactTable, mergeRowGroupBytes, planCompaction, sizeInBytes } from "./compact";

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

  it("writes row groups of an eighth of the memory limit, shared among the threads", () => {
    expect(sizeInBytes("256MB")).toBe(256_000_000);
    expect(sizeInBytes("1.5 GiB")).toBe(1.5 * 2 ** 30);
    expect(() => sizeInBytes("lots")).toThrow(/256MB/);
    expect(mergeRowGroupBytes("256MB")).toBe(32_000_000);
    expect(mergeRowGroupBytes("256MB", 4)).toBe(8_000_000);
    expect(mergeRowGroupBytes("4MB")).toBe(2 ** 20);
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

  it("merges more rows than its memory limit holds (16MB) into the same rows", async () => {
    const src = await createTestSource(bed.t.db);
    // Wide events (random notes) in one day: more than the limit to merge per partition.
    const gen = generateOrderBatches({
      batches: 10,
      perBatch: 400,
      seed: 11,
      idPrefix: "wide",
      eventBytes: 190,
    });
    const wide = gen.batches.map((lines) =>
      lines.map((l) => {
        const e = JSON.parse(l) as Record<string, unknown>;
        return JSON.stringify({ ...e, note: randomBytes(3000).toString("base64") });
      }),
    );
    await commitBatchesOneByOne(bed, src, wide);
    const table = `curated.${src.slug}`;
    const before = await bed.catalog.tableSnapshot(table);
    const rowsBefore = await readCommittedRows(bed, table);
    expect(rowsBefore.length).toBe(gen.validIds.size);

    const tmpDir = join(bed.dir, "tmp-tiny");
    const result = await compactTable({ ...bed, tmpDir }, table, {
      minFiles: 4,
      memoryLimit: "16MB",
      threads: 1,
    });
    expect(result.conflicts).toBe(0);
    expect(result.filesRemoved).toBe(before!.files.length);
    const after = await bed.catalog.tableSnapshot(table);
    expect(after!.files.length).toBe(result.partitions);
    expect(await readCommittedRows(bed, table)).toEqual(rowsBefore);
    // The merge's scratch and spill folders are gone.
    expect(await readdir(tmpDir)).toEqual([]);
  });

  it("reads at most maxInputBytes of small files per merge", async () => {
    const src = await createTestSource(bed.t.db);
    const gen = generateOrderBatches({ batches: 12, perBatch: 50, seed: 5, idPrefix: "cap" });
    await commitBatchesOneByOne(bed, src, gen.batches);
    const table = `curated.${src.slug}`;
    const before = await bed.catalog.tableSnapshot(table);
    const rowsBefore = await readCommittedRows(bed, table);
    const largest = Math.max(...before!.files.map((f) => f.bytes));
    const maxInputBytes = largest * 3;
    const groups = planCompaction(before!.files, {
      minFiles: 2,
      targetFileBytes: 64 * 1024 * 1024,
      maxInputBytes,
    });
    for (const g of groups) expect(g.reduce((n, f) => n + f.bytes, 0)).toBeLessThanOrEqual(maxInputBytes);

    const result = await compactTable({ ...bed, tmpDir: join(bed.dir, "tmp") }, table, {
      minFiles: 2,
      maxInputBytes,
    });
    expect(result.filesAdded).toBe(groups.length);
    expect(result.filesAdded).toBeGreaterThan(result.partitions);
    expect(await readCommittedRows(bed, table)).toEqual(rowsBefore);
  });
});
