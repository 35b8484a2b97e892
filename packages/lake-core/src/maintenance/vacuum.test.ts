import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalFsObjectStore } from "../adapters/local-fs-store";
import { PgCatalog } from "../catalog/pg-catalog";
import { createTestSource, generateOrderBatches, readCommittedRows } from "../testing/pipeline-fixtures";
import {
  commitBatchesOneByOne,
  type PipelineTestBed,
  startPipelineTestBed,
} from "../testing/pipeline-test-bed";
import { compactTable } from "./compact";
import { vacuumTable } from "./vacuum";

let bed: PipelineTestBed;
let t: TestDatabase;
let dir: string;
let store: LocalFsObjectStore;
let duck: DuckDBConnection;

beforeAll(async () => {
  bed = await startPipelineTestBed("vacuum");
  ({ t, dir, store, duck } = bed);
});
afterAll(async () => {
  await bed?.close();
});

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys.sort();
}

/** A curated table with one small file per batch, then compacted: its first files are replaced. */
async function compactedTable() {
  const src = await createTestSource(t.db);
  const gen = generateOrderBatches({ batches: 6, perBatch: 40, seed: 11 });
  await commitBatchesOneByOne(bed, src, gen.batches);
  const table = `curated.${src.slug}`;
  const before = await new PgCatalog(t.db).tableSnapshot(table);
  const compacted = await compactTable(
    { catalog: new PgCatalog(t.db), store, duck, tmpDir: join(dir, "tmp") },
    table,
    {
      minFiles: 2,
    },
  );
  expect(compacted.filesRemoved).toBe(before!.files.length);
  return { src, gen, table, replaced: before!.files.map((f) => f.path) };
}

describe("vacuum", () => {
  it("keeps replaced files within the retention period and deletes them after it, rows unchanged", async () => {
    const { src, gen, table, replaced } = await compactedTable();
    const prefix = `curated/${src.slug}/`;

    const kept = await vacuumTable({ catalog: new PgCatalog(t.db), store }, table, {
      retentionMs: 60 * 60_000,
    });
    expect(kept).toEqual({ expiredFiles: 0, orphanFiles: 0, bytesFreed: 0 });
    for (const path of replaced) expect(await store.head(path)).toBeDefined();

    const done = await vacuumTable({ catalog: new PgCatalog(t.db), store }, table, { retentionMs: 0 });
    expect(done.expiredFiles).toBe(replaced.length);
    expect(done.orphanFiles).toBe(0);
    expect(done.bytesFreed).toBeGreaterThan(0);
    for (const path of replaced) expect(await store.head(path)).toBeUndefined();

    const view = await new PgCatalog(t.db).tableSnapshot(table);
    expect(await keysUnder(prefix)).toEqual(view!.files.map((f) => f.path).sort());
    const rows = await readCommittedRows({ catalog: new PgCatalog(t.db), store }, table);
    expect(rows.length).toBe(gen.validIds.size);
    const left = await t.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM data_files WHERE table_id = $1 AND removed_seq IS NOT NULL",
      [view!.tableId],
    );
    expect(left.rows[0]?.n).toBe(0);
  });

  it("deletes objects no data file names once they are older than the retention period", async () => {
    const { src, table } = await compactedTable();
    const prefix = `curated/${src.slug}/`;
    await vacuumTable({ catalog: new PgCatalog(t.db), store }, table, { retentionMs: 0 });
    const live = await keysUnder(prefix);
    // What a flush leaves when its process dies between upload and commit.
    const orphan = `${prefix}dt=2024-05-01/crashed-flush-0.parquet`;
    await store.put(orphan, new Uint8Array([1, 2, 3]));

    const young = await vacuumTable({ catalog: new PgCatalog(t.db), store }, table, {
      retentionMs: 60 * 60_000,
    });
    expect(young.orphanFiles).toBe(0);
    expect(await store.head(orphan)).toBeDefined();

    const old = await vacuumTable({ catalog: new PgCatalog(t.db), store }, table, { retentionMs: 0 });
    expect(old).toEqual({ expiredFiles: 0, orphanFiles: 1, bytesFreed: 3 });
    expect(await keysUnder(prefix)).toEqual(live);
  });

  it("does nothing for a table that does not exist", async () => {
    expect(
      await vacuumTable({ catalog: new PgCatalog(t.db), store }, "curated.nope", { retentionMs: 0 }),
    ).toEqual({
      expiredFiles: 0,
      orphanFiles: 0,
      bytesFreed: 0,
    });
  });
});
