// Two workers committing to one curated table at once: its column list evolved from two schema versions
// (a worker that read the list before another wrote a newer version's columns must not write over
// them), and its snapshots stamped in the order they commit.
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ColumnSpec } from "../ports/catalog";
import { evolveColumns } from "../schema/schema-columns";
import { createTestSource } from "../testing/pipeline-fixtures";
import { PgCatalog } from "./pg-catalog";
import { ensureCuratedTable } from "./table-catalog";
import type { Queryable } from "./transaction";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const col = (name: string): ColumnSpec => ({ name, type: "VARCHAR" });

describe("two writers of one curated table", () => {
  it("keeps the columns a newer schema version added while an older one was evolving the table", async () => {
    const src = await createTestSource(t.db);
    const v1 = [col("id")];
    const v2 = [...v1, col("note_2")];
    const v3 = [...v2, col("note_3")];
    const version = (id: string) => ({ id: src.id, slug: src.slug, schemaVersionId: `${src.id}-${id}` });
    await ensureCuratedTable(t.db.pool, t.db.url, version("v1"), evolveColumns(v1));

    // The worker on v2 reads the column list; the worker on v3 evolves the table right after that read.
    let interleaved = false;
    const older: Queryable = {
      async query(text, values) {
        const res = await t.db.pool.query(text, values);
        if (!interleaved && /^SELECT id, columns FROM lake_tables/.test(text)) {
          interleaved = true;
          await ensureCuratedTable(t.db.pool, t.db.url, version("v3"), evolveColumns(v3));
        }
        return res;
      },
    };
    await ensureCuratedTable(older, t.db.url, version("v2"), evolveColumns(v2));

    expect(interleaved).toBe(true);
    const { rows } = await t.db.pool.query<{ columns: ColumnSpec[] }>(
      "SELECT columns FROM lake_tables WHERE name = $1",
      [`curated.${src.slug}`],
    );
    expect(rows[0]?.columns.map((c) => c.name)).toEqual(["id", "note_2", "note_3"]);
  });

  it("stamps each snapshot no earlier than the one before it, whichever transaction began first", async () => {
    const catalog = new PgCatalog(t.db);
    const src = await createTestSource(t.db);
    const record = await catalog.getSource(src.id);
    const table = await catalog.ensureCuratedTable(record!, () => [col("id")]);
    const append = (path: string) => ({
      tableId: table.id,
      files: [{ path, partition: "dt=2024-05-01", rowCount: 1, bytes: 1 }],
      batchIds: [],
      counts: new Map(),
    });
    // The first transaction begins, then waits (as a worker uploading a rewrite does) while a second
    // one begins later and commits first: the first commits the next snapshot.
    let proceed = () => {};
    const gate = new Promise<void>((resolve) => {
      proceed = resolve;
    });
    let begun = () => {};
    const began = new Promise<void>((resolve) => {
      begun = resolve;
    });
    const slow = catalog.transaction(async (tx) => {
      await tx.lockPendingBatches([]);
      begun();
      await gate;
      return tx.commitAppend(append(`${src.slug}/slow.parquet`));
    });
    await began;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fastSeq = await catalog.transaction((tx) => tx.commitAppend(append(`${src.slug}/fast.parquet`)));
    proceed();
    const slowSeq = await slow;

    expect([fastSeq, slowSeq]).toEqual([1, 2]);
    const { rows } = await t.db.pool.query<{ seq: number; at: Date }>(
      "SELECT seq, created_at AS at FROM snapshots WHERE table_id = $1 ORDER BY seq",
      [table.id],
    );
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
    expect(rows[1]!.at.getTime()).toBeGreaterThanOrEqual(rows[0]!.at.getTime());
  });
});
