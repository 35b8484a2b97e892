// The PostgreSQL catalog adapter against the Catalog contract, plus what only its tables show.
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogContract } from "../testing/catalog-contract";
import { createTestSource } from "../testing/pipeline-fixtures";
import { PgCatalog } from "./pg-catalog";

let t: TestDatabase;
let catalog: PgCatalog;

beforeAll(async () => {
  t = await createTestDatabase();
  catalog = new PgCatalog(t.db);
});
afterAll(async () => {
  await t?.drop();
});

catalogContract("PostgreSQL", () => ({
  catalog,
  async createSource(opts = {}) {
    const src = await createTestSource(t.db, opts.schema === undefined ? {} : { schema: opts.schema });
    if (opts.paused) await t.db.prisma.source.update({ where: { id: src.id }, data: { status: "paused" } });
    return src;
  },
}));

describe("PostgreSQL catalog rows", () => {
  it("records the append's snapshot and the batch's counts", async () => {
    const src = await createTestSource(t.db);
    const record = await catalog.getSource(src.id);
    const table = await catalog.ensureCuratedTable(record!, () => [{ name: "id", type: "VARCHAR" }]);
    const batchId = `rows-${src.slug}`;
    await catalog.registerBatch({
      id: batchId,
      sourceId: src.id,
      rawKey: "raw/k",
      origin: "http",
      eventCount: 6,
      bytes: 1,
    });
    await catalog.transaction((tx) =>
      tx.commitAppend({
        tableId: table.id,
        files: [{ path: "p.parquet", partition: "dt=2024-05-01", rowCount: 3, bytes: 9 }],
        batchIds: [batchId],
        counts: new Map([[batchId, { accepted: 3, rejected: 1, duplicates: 2 }]]),
      }),
    );
    const batch = await t.db.prisma.batch.findUniqueOrThrow({ where: { id: batchId } });
    expect([batch.status, batch.accepted, batch.rejected, batch.duplicates]).toEqual(["committed", 3, 1, 2]);
    const snap = await t.db.prisma.snapshot.findFirstOrThrow({ where: { tableId: table.id } });
    expect([snap.seq, snap.operation, snap.addedFiles, snap.addedRows]).toEqual([1, "append", 1, 3n]);
    const row = await t.db.prisma.lakeTable.findUniqueOrThrow({ where: { name: table.name } });
    expect([row.zone, row.partitionBy]).toEqual(["curated", ["dt"]]);
  });

  it("stores a NUL in a dead letter's text as U+FFFD", async () => {
    const src = await createTestSource(t.db);
    const [id] = await catalog.recordDeadLetters([
      {
        sourceId: src.id,
        batchId: undefined,
        eventId: "e\u0000",
        reasonCode: "X",
        reason: "r",
        path: undefined,
        payload: '{"a":"x\u0000"}',
        attempts: 1,
      },
    ]);
    const row = await t.db.prisma.deadLetter.findUniqueOrThrow({ where: { id: id! } });
    expect([row.eventId, row.payload, row.status]).toEqual(["e\uFFFD", '{"a":"x\uFFFD"}', "open"]);
  });

  it("finds analytics tables whose definition names a table, and the policies set on it", async () => {
    const src = await createTestSource(t.db);
    const record = await catalog.getSource(src.id);
    const table = await catalog.ensureCuratedTable(record!, () => [{ name: "amount", type: "DOUBLE" }]);
    const definition = `SELECT sum(amount) AS total FROM curated."${src.slug}"`;
    await t.db.prisma.lakeTable.create({
      data: { name: `analytics.${src.slug}_totals`, zone: "analytics", partitionBy: [], definition },
    });
    await t.db.prisma.lakeTable.create({
      data: { name: `analytics.${src.slug}_x`, zone: "analytics", partitionBy: [], definition: "SELECT 1" },
    });
    await t.db.prisma.columnPolicy.create({
      data: { tableId: table.id, role: "analyst", column: "amount", action: "mask" },
    });
    await t.db.prisma.rowFilterPolicy.create({
      data: { tableId: table.id, role: "analyst", predicate: "amount < 100" },
    });
    expect(await catalog.tableDependents(table.name)).toEqual({
      analyticsTables: [{ name: `analytics.${src.slug}_totals`, definition }],
      columnPolicies: [{ role: "analyst", column: "amount", action: "mask" }],
      rowFilters: [{ role: "analyst", predicate: "amount < 100" }],
    });
  });
});

describe("PostgreSQL catalog: a table's access settings", () => {
  it("reads, locks and sets whether a table denies columns no rule covers", async () => {
    const src = await createTestSource(t.db);
    const table = await catalog.ensureCuratedTable((await catalog.getSource(src.id))!, () => [
      { name: "id", type: "VARCHAR" },
    ]);
    expect((await catalog.tableAccessSettings([table.id, "missing"])).get(table.id)).toEqual({
      tableId: table.id,
      name: table.name,
      zone: "curated",
      denyUnruledColumns: false,
    });
    await catalog.transaction(async (tx) => {
      expect((await tx.lockTableAccess(table.id))?.denyUnruledColumns).toBe(false);
      await tx.setDenyUnruledColumns(table.id, true);
    });
    expect((await catalog.tableAccessSettings([table.id])).get(table.id)?.denyUnruledColumns).toBe(true);
    expect((await catalog.tableAccessSettings(["missing"])).size).toBe(0);
  });
});
