import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTestSource, generateOrderBatches, readCommittedRows } from "../testing/pipeline-fixtures";
import { commitBatchesOneByOne, usePipelineTestBed } from "../testing/pipeline-test-bed";
import { compactTable } from "./compact";
import { vacuumTable } from "./vacuum";

const bed = usePipelineTestBed("vacuum");

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of bed.store.list(prefix)) keys.push(o.key);
  return keys.sort();
}

/** A curated table with one small file per batch, then compacted: its first files are replaced. */
async function compactedTable() {
  const src = await createTestSource(bed.t.db);
  const gen = generateOrderBatches({ batches: 6, perBatch: 40, seed: 11 });
  await commitBatchesOneByOne(bed, src, gen.batches);
  const table = `curated.${src.slug}`;
  const before = await bed.catalog.tableSnapshot(table);
  const compacted = await compactTable({ ...bed, tmpDir: join(bed.dir, "tmp") }, table, {
    minFiles: 2,
  });
  expect(compacted.filesRemoved).toBe(before!.files.length);
  return { src, gen, table, replaced: before!.files.map((f) => f.path) };
}

describe("vacuum", () => {
  it("keeps replaced files within the retention period and deletes them after it, rows unchanged", async () => {
    const { src, gen, table, replaced } = await compactedTable();
    const prefix = `curated/${src.slug}/`;

    const kept = await vacuumTable(bed, table, {
      retentionMs: 60 * 60_000,
    });
    expect(kept).toEqual({ expiredFiles: 0, orphanFiles: 0, bytesFreed: 0 });
    for (const path of replaced) expect(await bed.store.head(path)).toBeDefined();

    const done = await vacuumTable(bed, table, { retentionMs: 0 });
    expect(done.expiredFiles).toBe(replaced.length);
    expect(done.orphanFiles).toBe(0);
    expect(done.bytesFreed).toBeGreaterThan(0);
    for (const path of replaced) expect(await bed.store.head(path)).toBeUndefined();

    const view = await bed.catalog.tableSnapshot(table);
    expect(await keysUnder(prefix)).toEqual(view!.files.map((f) => f.path).sort());
    const rows = await readCommittedRows(bed, table);
    expect(rows.length).toBe(gen.validIds.size);
    const left = await bed.t.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM data_files WHERE table_id = $1 AND removed_seq IS NOT NULL",
      [view!.tableId],
    );
    expect(left.rows[0]?.n).toBe(0);
  });

  it("deletes objects no data file names once they are older than the retention period", async () => {
    const { src, table } = await compactedTable();
    const prefix = `curated/${src.slug}/`;
    await vacuumTable(bed, table, { retentionMs: 0 });
    const live = await keysUnder(prefix);
    // What a flush leaves when its process dies between upload and commit.
    const orphan = `${prefix}dt=2024-05-01/crashed-flush-0.parquet`;
    await bed.store.put(orphan, new Uint8Array([1, 2, 3]));

    const young = await vacuumTable(bed, table, {
      retentionMs: 60 * 60_000,
    });
    expect(young.orphanFiles).toBe(0);
    expect(await bed.store.head(orphan)).toBeDefined();

    const old = await vacuumTable(bed, table, { retentionMs: 0 });
    expect(old).toEqual({ expiredFiles: 0, orphanFiles: 1, bytesFreed: 3 });
    expect(await keysUnder(prefix)).toEqual(live);
  });

  it("does nothing for a table that does not exist", async () => {
    expect(await vacuumTable(bed, "curated.nope", { retentionMs: 0 })).toEqual({
      expiredFiles: 0,
      orphanFiles: 0,
      bytesFreed: 0,
    });
  });
});
