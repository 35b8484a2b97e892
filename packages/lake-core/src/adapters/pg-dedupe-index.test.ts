// PgDedupeIndex against the DedupeIndex contract, plus its day partitions: created ahead, dropped whole.
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgCatalog } from "../catalog/pg-catalog";
import { dedupeContract } from "../testing/dedupe-contract";
import { createTestSource } from "../testing/pipeline-fixtures";
import { PgDedupeIndex } from "./pg-dedupe-index";

let t: TestDatabase;
let catalog: PgCatalog;
beforeAll(async () => {
  t = await createTestDatabase();
  catalog = new PgCatalog(t.db);
});
afterAll(async () => {
  await t?.drop();
});

dedupeContract("PostgreSQL", async () => ({
  workers: [new PgDedupeIndex(catalog), new PgDedupeIndex(catalog)],
  catalog,
  owners: new Map(),
  async createSource(windowHours) {
    const src = await createTestSource(t.db);
    await t.db.prisma.source.update({ where: { id: src.id }, data: { dedupeWindowHours: windowHours } });
    return src.id;
  },
  async expire(sourceId) {
    await t.db.pool.query(
      `UPDATE seen_events SET seen_at = seen_at - make_interval(hours => (SELECT dedupe_window_hours FROM sources WHERE id = $1))
       WHERE source_id = $1`,
      [sourceId],
    );
  },
  async cleanup() {},
}));

describe("PostgreSQL dedupe partitions", () => {
  const partitions = async () =>
    (
      await t.db.pool.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'seen_events'::regclass ORDER BY 1`,
      )
    ).rows.map((r) => r.name);
  const day = (offset: number) =>
    `seen_events_p${new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "")}`;

  it("keeps a partition per day from yesterday to a week ahead", async () => {
    await t.db.pool.query(`DROP TABLE IF EXISTS "${day(7)}"`);
    const changes = await catalog.maintainDedupeIndex();
    expect(changes.created).toContain(day(7));
    const names = await partitions();
    for (let d = -1; d <= 7; d++) expect(names).toContain(day(d));
  });

  it("drops the days past every source's window as whole partitions", async () => {
    // A day past the longest window (sources here keep 7 days), holding a claim.
    const old = day(-30);
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
    await t.db.pool.query(
      `CREATE TABLE "${old}" PARTITION OF seen_events FOR VALUES FROM ('${from}') TO ('${to}')`,
    );
    await t.db.pool.query(
      `INSERT INTO seen_events (key, day, source_id, seen_at) VALUES (gen_random_uuid(), $1::date, 'gone', $1::timestamp)`,
      [from],
    );
    const src = await createTestSource(t.db);
    await t.db.prisma.source.update({ where: { id: src.id }, data: { dedupeWindowHours: 24 * 7 } });
    const changes = await catalog.maintainDedupeIndex();
    expect(changes.dropped).toContain(old);
    expect(await partitions()).not.toContain(old);
    expect(await partitions()).toContain(day(-1));
  });
});
