import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestSource } from "../testing/pipeline-fixtures";
import { lockPendingBatches, markBatchesFailed } from "./batch-catalog";
import { recordDeadLetters } from "./dead-letters";
import { claimEventIds } from "./seen-events";
import { loadSource } from "./source-catalog";
import {
  commitAppend,
  commitCompaction,
  ensureCuratedTable,
  type NewDataFile,
  visibleFiles,
} from "./table-catalog";
import { withTransaction } from "./transaction";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

async function addBatch(sourceId: string, id: string) {
  await t.db.prisma.batch.create({
    data: { id, sourceId, rawKey: `raw/x/${id}.ndjson`, eventCount: 1, bytes: 10n },
  });
}

function file(path: string, rows = 1): NewDataFile {
  return {
    path,
    partition: "dt=2024-05-01",
    rowCount: rows,
    bytes: 100,
    minEventTime: new Date("2024-05-01T01:00:00Z"),
    maxEventTime: new Date("2024-05-01T02:00:00Z"),
  };
}

describe("catalog", () => {
  it("loads a source with its schema layout and ensures its curated table", async () => {
    const src = await createTestSource(t.db);
    const loaded = await loadSource(t.db, src.id);
    expect(loaded.slug).toBe(src.slug);
    expect(loaded.schema.validate?.({ id: "a", amount: "x", created_at: "2024-01-01T00:00:00Z" })?.path).toBe(
      "/amount",
    );
    const table = await ensureCuratedTable(t.db, loaded, loaded.schema.columns);
    expect(table.name).toBe(`curated.${src.slug}`);
    const again = await ensureCuratedTable(t.db, loaded, loaded.schema.columns);
    expect(again.id).toBe(table.id);
    const row = await t.db.prisma.lakeTable.findUniqueOrThrow({ where: { name: table.name } });
    expect(row.zone).toBe("curated");
    expect(row.partitionBy).toEqual(["dt"]);
    expect((row.columns as { name: string }[]).map((c) => c.name)).toContain("amount");
  });

  it("commits an append atomically and shows readers only committed snapshots", async () => {
    const src = await createTestSource(t.db);
    const loaded = await loadSource(t.db, src.id);
    const table = await ensureCuratedTable(t.db, loaded, loaded.schema.columns);
    await addBatch(src.id, `b-${src.slug}-1`);
    expect((await visibleFiles(t.db, table.name))?.files).toEqual([]);

    const seq = await withTransaction(t.db.pool, async (tx) => {
      const s = await commitAppend(tx, {
        tableId: table.id,
        files: [file(`curated/${src.slug}/dt=2024-05-01/f1-0.parquet`, 3)],
        batchIds: [`b-${src.slug}-1`],
        counts: new Map([[`b-${src.slug}-1`, { accepted: 3, rejected: 1, duplicates: 2 }]]),
      });
      // Inside the open transaction, other sessions still see the previous snapshot.
      expect((await visibleFiles(t.db, table.name))?.files).toEqual([]);
      return s;
    });
    expect(seq).toBe(1);
    const view = await visibleFiles(t.db, table.name);
    expect(view?.seq).toBe(1);
    expect(view?.files.map((f) => [f.path, f.rowCount])).toEqual([
      [`curated/${src.slug}/dt=2024-05-01/f1-0.parquet`, 3],
    ]);
    expect(view?.files[0]?.minEventTime?.toISOString()).toBe("2024-05-01T01:00:00.000Z");
    const batch = await t.db.prisma.batch.findUniqueOrThrow({ where: { id: `b-${src.slug}-1` } });
    expect([batch.status, batch.accepted, batch.rejected, batch.duplicates]).toEqual(["committed", 3, 1, 2]);
    const snap = await t.db.prisma.snapshot.findFirstOrThrow({ where: { tableId: table.id } });
    expect([snap.seq, snap.operation, snap.addedFiles, snap.addedRows]).toEqual([1, "append", 1, 3n]);
  });

  it("rolls back everything when the transaction fails", async () => {
    const src = await createTestSource(t.db);
    const loaded = await loadSource(t.db, src.id);
    const table = await ensureCuratedTable(t.db, loaded, loaded.schema.columns);
    await addBatch(src.id, `b-${src.slug}-r`);
    await expect(
      withTransaction(t.db.pool, async (tx) => {
        await claimEventIds(tx, src.id, ["e1"]);
        await commitAppend(tx, {
          tableId: table.id,
          files: [file(`curated/${src.slug}/dt=2024-05-01/x.parquet`)],
          batchIds: [`b-${src.slug}-r`],
          counts: new Map(),
        });
        throw new Error("crash before commit");
      }),
    ).rejects.toThrow("crash before commit");
    expect((await visibleFiles(t.db, table.name))?.seq).toBe(0);
    expect(await t.db.prisma.seenEvent.count({ where: { sourceId: src.id } })).toBe(0);
    const batch = await t.db.prisma.batch.findUniqueOrThrow({ where: { id: `b-${src.slug}-r` } });
    expect(batch.status).toBe("received");
  });

  it("claims each event id exactly once across concurrent transactions", async () => {
    const src = await createTestSource(t.db);
    const ids = Array.from({ length: 500 }, (_, i) => `e${i}`);
    const a = ids.slice(0, 300);
    const b = ids.slice(200).reverse();
    const [ra, rb] = await Promise.all([
      withTransaction(t.db.pool, (tx) => claimEventIds(tx, src.id, a)),
      withTransaction(t.db.pool, (tx) => claimEventIds(tx, src.id, b)),
    ]);
    expect(ra.size + rb.size).toBe(500);
    for (const id of ids) expect(ra.has(id) !== rb.has(id)).toBe(true);
    const again = await withTransaction(t.db.pool, (tx) => claimEventIds(tx, src.id, ["e1", "new"]));
    expect([...again]).toEqual(["new"]);
  });

  it("locks only batches still pending and marks poison batches failed", async () => {
    const src = await createTestSource(t.db);
    await addBatch(src.id, `p-${src.slug}-1`);
    await addBatch(src.id, `p-${src.slug}-2`);
    await markBatchesFailed(t.db, [`p-${src.slug}-2`]);
    const pending = await withTransaction(t.db.pool, (tx) =>
      lockPendingBatches(tx, [`p-${src.slug}-1`, `p-${src.slug}-2`, "missing"]),
    );
    expect([...pending]).toEqual([`p-${src.slug}-1`]);
  });

  it("compacts: new file visible at the next snapshot, old files removed at it", async () => {
    const src = await createTestSource(t.db);
    const loaded = await loadSource(t.db, src.id);
    const table = await ensureCuratedTable(t.db, loaded, loaded.schema.columns);
    for (const n of [1, 2]) {
      await withTransaction(t.db.pool, (tx) =>
        commitAppend(tx, {
          tableId: table.id,
          files: [file(`c/${n}.parquet`, n)],
          batchIds: [],
          counts: new Map(),
        }),
      );
    }
    const before = await visibleFiles(t.db, table.name);
    expect(before?.files.length).toBe(2);
    const ids = before!.files.map((f) => f.id);
    const ok = await withTransaction(t.db.pool, (tx) =>
      commitCompaction(tx, { tableId: table.id, added: file("c/merged.parquet", 3), removedFileIds: ids }),
    );
    expect(ok).toBe(true);
    const after = await visibleFiles(t.db, table.name);
    expect(after?.seq).toBe(3);
    expect(after?.files.map((f) => f.path)).toEqual(["c/merged.parquet"]);
    const again = await withTransaction(t.db.pool, (tx) =>
      commitCompaction(tx, { tableId: table.id, added: file("c/merged2.parquet", 3), removedFileIds: ids }),
    );
    expect(again).toBe(false);
    expect((await visibleFiles(t.db, table.name))?.seq).toBe(3);
  });

  it("records dead letters in bulk", async () => {
    const src = await createTestSource(t.db);
    await recordDeadLetters(t.db, [
      {
        sourceId: src.id,
        batchId: "b1",
        eventId: "e1",
        reasonCode: "SCHEMA_VIOLATION",
        reason: "/amount: must be number",
        path: "/amount",
        payload: '{"amount":"x\u0000"}',
        attempts: 2,
      },
      {
        sourceId: src.id,
        batchId: "b1",
        eventId: undefined,
        reasonCode: "POISON_BATCH",
        reason: "raw object missing",
        path: undefined,
        payload: "{}",
        attempts: 5,
      },
    ]);
    const rows = await t.db.prisma.deadLetter.findMany({
      where: { sourceId: src.id },
      orderBy: { reasonCode: "asc" },
    });
    expect(rows.map((r) => [r.reasonCode, r.path, r.attempts, r.status])).toEqual([
      ["POISON_BATCH", null, 5, "open"],
      ["SCHEMA_VIOLATION", "/amount", 2, "open"],
    ]);
  });
});
