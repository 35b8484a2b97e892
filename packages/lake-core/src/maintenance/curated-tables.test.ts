import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PgCatalog } from "../catalog/pg-catalog";
import { createTestSource } from "../testing/pipeline-fixtures";
import { ensureSourceTables } from "./curated-tables";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

it("creates the curated table of a source registered without one, with its schema's columns, once", async () => {
  // Created straight in the database, as the first start seeds the sample source: no table yet.
  const src = await createTestSource(t.db);
  const catalog = new PgCatalog(t.db);
  expect(await catalog.describeTable(`curated.${src.slug}`)).toBeUndefined();
  expect(await ensureSourceTables(catalog)).toEqual([`curated.${src.slug}`]);
  const table = await catalog.tableSnapshot(`curated.${src.slug}`);
  expect(table?.columns.map((c) => c.name)).toEqual(expect.arrayContaining(["id", "amount", "created_at"]));
  expect(await ensureSourceTables(catalog)).toEqual([]);
});
