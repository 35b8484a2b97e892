// The Operations dashboard's service: series read from the range's resolution (and the tail not
// rolled up yet), the latest values, cost from the price sheet, and the audited price sheet edit.
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "./audit";
import { OperationsService } from "./operations";
import { DEFAULT_OPS_PRICE_SHEET } from "./ops-price-sheet";

let t: TestDatabase;
let ops: OperationsService;
const now = new Date("2026-12-10T12:00:30Z");
const ago = (ms: number) => new Date(now.getTime() - ms);
const actor = { id: null, email: "admin@inlet.local" };

beforeAll(async () => {
  t = await createTestDatabase();
  ops = new OperationsService(t.db, new AuditService(t.db));
  const sample = (step: number, at: Date, value: number, name = "worker_events_per_second", labels = {}) => ({
    name,
    labels,
    value,
    at,
    step,
  });
  await t.db.prisma.metricSample.createMany({
    data: [
      sample(0, ago(15_000), 10),
      sample(0, ago(30_000), 20),
      sample(0, ago(2 * 3_600_000), 999), // outside 1 h
      sample(60, ago(3 * 3_600_000), 5),
      sample(3600, new Date("2026-12-08T10:00:00Z"), 7),
      sample(600, new Date("2026-12-10T08:00:00Z"), 4),
      sample(60, new Date("2026-12-10T11:10:00Z"), 3), // after the last hour row: the 7 d tail
      sample(60, new Date("2026-12-10T00:00:00Z"), 2 * 2 ** 30, "storage_bytes", {
        zone: "raw",
        source: "a",
      }),
      sample(60, new Date("2026-12-10T00:01:00Z"), 2 * 2 ** 30, "storage_bytes", {
        zone: "raw",
        source: "a",
      }),
      sample(60, new Date("2026-12-10T00:02:00Z"), 0.5, "worker_busy_seconds_per_second"),
    ],
  });
});
afterAll(async () => {
  await t?.drop();
});

describe("OperationsService", () => {
  it("reads 1 h from 1-minute rows and the raw tail after the last one, in minute buckets", async () => {
    const r = await ops.series("1h", now);
    const s = r.series.find((x) => x.name === "worker_events_per_second");
    expect(r.bucketSeconds).toBe(60);
    // The 1-minute row of 11:10, then raw newer than it (10 and 20 in one minute); the raw 999 of
    // 10:00 is outside the hour.
    expect(s?.points.map((p) => p[1])).toEqual([3, 15]);
  });

  it("reads 24 h from 10-minute rows and the 1-minute tail after the last one", async () => {
    const r = await ops.series("24h", now);
    const s = r.series.find((x) => x.name === "worker_events_per_second");
    expect(r.bucketSeconds).toBe(600);
    // The 10-minute row of 08:00, then 1-minute rows after it (09:00 and 11:10).
    expect(s?.points).toEqual([
      [Date.parse("2026-12-10T08:00:00Z"), 4],
      [Date.parse("2026-12-10T09:00:00Z"), 5],
      [Date.parse("2026-12-10T11:10:00Z"), 3],
    ]);
  });

  it("reads 7 d from 1-hour rows and the 1-minute tail after the last one", async () => {
    const r = await ops.series("7d", now);
    const s = r.series.find((x) => x.name === "worker_events_per_second");
    expect(r.bucketSeconds).toBe(3600);
    expect(s?.points).toEqual([
      [Date.parse("2026-12-08T10:00:00Z"), 7],
      [Date.parse("2026-12-10T09:00:00Z"), 5],
      [Date.parse("2026-12-10T11:00:00Z"), 3],
    ]);
  });

  it("gives the latest round of raw samples as the current values", async () => {
    const c = await ops.current(now);
    expect(c.at?.toISOString()).toBe(ago(15_000).toISOString());
    expect(c.values).toEqual([{ name: "worker_events_per_second", labels: {}, value: 10 }]);
  });

  it("prices storage and compute from the sheet, and says how", async () => {
    const c = await ops.cost(1, now);
    const storage = c.rows.find((r) => r.item === "storage");
    expect(storage).toMatchObject({ day: "2026-12-10", source: "a", zone: "raw", quantity: 2 });
    expect(storage?.usd).toBeCloseTo(2 * 0.023 * (2 / 60 / 730));
    const compute = c.rows.find((r) => r.item === "compute");
    expect(compute?.quantity).toBeCloseTo(30);
    expect(compute?.usd).toBeCloseTo(30 * 0.0000166667);
    expect(storage?.formula).toContain("$0.023/GB-month");
  });

  it("stores an admin's price sheet, audited, and prices with it", async () => {
    const sheet = { ...DEFAULT_OPS_PRICE_SHEET, storageUsdPerGbMonth: 1, workerMemoryGb: 2 };
    await ops.setPriceSheet(actor, sheet);
    expect((await ops.priceSheet()).sheet).toEqual(sheet);
    const audit = await t.db.prisma.auditLog.findFirst({ where: { action: "ops_price_sheet.set" } });
    expect(audit?.details).toMatchObject({
      before: { storageUsdPerGbMonth: 0.023 },
      after: { storageUsdPerGbMonth: 1 },
    });
    const c = await ops.cost(1, now);
    expect(c.rows.find((r) => r.item === "storage")?.usd).toBeCloseTo(2 * (2 / 60 / 730));
    expect(c.rows.find((r) => r.item === "compute")?.usd).toBeCloseTo(30 * 2 * 0.0000166667);
    expect(c.formulas.compute).toContain("2 GB");
  });
});
