import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine, type DuckDbQueryEngine } from "../adapters/duckdb-engine";
import { curatedColumns, evolveColumns } from "../schema/schema-columns";
import { MemoryQueryHistory } from "../testing/memory-query-history";
import { createTestSource, TEST_ORDER_SCHEMA } from "../testing/pipeline-fixtures";
import { commitBatchesOneByOne, usePipelineTestBed } from "../testing/pipeline-test-bed";
import { LakeReader } from "./lake-reader";

const bed = usePipelineTestBed("schema-evolution-read");
let engine: DuckDbQueryEngine;
let lake: LakeReader;

beforeAll(() => {
  engine = createDuckDbEngine({ store: bed.store, threads: 1 });
  lake = new LakeReader({ catalog: bed.catalog, engine, history: new MemoryQueryHistory() });
});
afterAll(async () => {
  await engine?.close();
});

const V2 = {
  ...TEST_ORDER_SCHEMA,
  properties: { ...TEST_ORDER_SCHEMA.properties, coupon: { type: "string" } },
};

const order = (id: string, more: Record<string, unknown> = {}) =>
  JSON.stringify({ id, amount: 10, created_at: "2024-05-01T10:00:00Z", ...more });

/** Registers V2 (a new optional `coupon`) as the source's next version, evolving the curated columns. */
async function registerV2(sourceId: string) {
  await bed.catalog.transaction((tx) =>
    tx.registerSchemaVersion({
      sourceId,
      jsonSchema: V2,
      checkedAgainst: 1,
      compatibility: "backward",
      evolveColumns: evolveColumns(curatedColumns(V2)),
      createdById: undefined,
    }),
  );
}

async function query(sql: string, table: string) {
  return engine.query({ sql, tables: [await lake.bind(table)] });
}

describe("a curated table across schema versions", () => {
  it("shows a column added by a newer version at once, as NULL in files written before it", async () => {
    const src = await createTestSource(bed.t.db);
    const table = `curated.${src.slug}`;
    await commitBatchesOneByOne(bed, src, [[order("o1"), order("o2")]]);
    await registerV2(src.id);
    const before = await query(`SELECT id, coupon FROM ${table} ORDER BY id`, table);
    expect(before.rows).toEqual([
      { id: "o1", coupon: null },
      { id: "o2", coupon: null },
    ]);
    expect(before.columns.find((c) => c.name === "coupon")?.type).toBe("VARCHAR");
  });

  it("reads old and new files as one table, old rows with NULL in the new column", async () => {
    const src = await createTestSource(bed.t.db);
    const table = `curated.${src.slug}`;
    await commitBatchesOneByOne(bed, src, [[order("a1"), order("a2", { coupon: "ignored before v2" })]]);
    await registerV2(src.id);
    await commitBatchesOneByOne(bed, src, [[order("b1", { coupon: "SPRING" }), order("b2")]]);
    const view = await bed.catalog.tableSnapshot(table);
    expect(view?.files.length).toBeGreaterThanOrEqual(2);
    const result = await query(`SELECT id, coupon, amount FROM ${table} ORDER BY id`, table);
    expect(result.rows).toEqual([
      { id: "a1", coupon: null, amount: 10 },
      { id: "a2", coupon: null, amount: 10 },
      { id: "b1", coupon: "SPRING", amount: 10 },
      { id: "b2", coupon: null, amount: 10 },
    ]);
    const all = await query(`SELECT count(*) AS n FROM ${table}`, table);
    expect(all.rows).toEqual([{ n: "4" }]);
  });
});
