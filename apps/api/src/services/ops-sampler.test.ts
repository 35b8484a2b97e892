// The operations sampler's figures from batches, dead letters and the queue, and the rollup's
// downsampling, retention and lease, against a fresh migrated database.
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { PgQueue } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRegistry } from "../metrics";
import { rollupMetricSamples } from "./metric-rollup";
import { OpsSampler } from "./ops-sampler";

let t: TestDatabase;
let sourceId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const s = await t.db.prisma.source.create({ data: { slug: "clicks", name: "Clicks" } });
  sourceId = s.id;
});
afterAll(async () => {
  await t?.drop();
});

describe("OpsSampler", () => {
  it("samples ingest, dead letters, freshness, queue and storage, and sets the /metrics gauges", async () => {
    const now = new Date("2026-12-01T12:00:15Z");
    const at = (s: number) => new Date(now.getTime() - s * 1000);
    await t.db.prisma.batch.createMany({
      data: [
        {
          id: "b1",
          sourceId,
          rawKey: "raw/1",
          eventCount: 30,
          bytes: 1000n,
          receivedAt: at(10),
          committedAt: at(8),
          status: "committed",
          accepted: 28,
          // Two of its events were dead-lettered against the schema at ingest: not accepted.
          rejectedAtAccept: [0, 1],
        },
        {
          id: "b2",
          sourceId,
          rawKey: "raw/2",
          eventCount: 15,
          bytes: 500n,
          receivedAt: at(9),
          committedAt: at(5),
          status: "committed",
          accepted: 15,
        },
        { id: "b0", sourceId, rawKey: "raw/0", eventCount: 99, bytes: 10n, receivedAt: at(60) },
      ],
    });
    await t.db.prisma.deadLetter.createMany({
      data: [
        { sourceId, reasonCode: "SCHEMA_VIOLATION", reason: "/a", payload: "{}", createdAt: at(3) },
        { sourceId, reasonCode: "SCHEMA_VIOLATION", reason: "/a", payload: "{}", createdAt: at(2) },
        { sourceId, reasonCode: "MALFORMED_JSON", reason: "x", payload: "{", createdAt: at(120) },
      ],
    });
    const queue = new PgQueue({ pool: t.db.pool });
    await queue.send("batches", { batchId: "b3" });

    const sampler = new OpsSampler({ db: t.db, queue });
    const samples = await sampler.sampleOnce(now, 15_000);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

    expect(value("ingest_accepted_events_per_second", { source: "clicks" })).toBeCloseTo(43 / 15);
    expect(value("ingest_refused_events_per_second", { source: "clicks" })).toBeCloseTo(2 / 15);
    expect(value("dead_letters_open", { source: "clicks", reason: "SCHEMA_VIOLATION" })).toBe(2);
    expect(value("dead_letters_open", { source: "clicks", reason: "MALFORMED_JSON" })).toBe(1);
    expect(
      value("dead_letters_inflow_per_minute", { source: "clicks", reason: "SCHEMA_VIOLATION" }),
    ).toBeCloseTo(8);
    expect(value("worker_batches_per_second")).toBeCloseTo(2 / 15);
    expect(value("worker_events_per_second")).toBeCloseTo(43 / 15);
    expect(value("freshness_p50_seconds", { source: "clicks" })).toBeCloseTo(3);
    expect(value("freshness_p99_seconds", { source: "clicks" })).toBeCloseTo(3.98);
    expect(value("queue_depth_messages", { queue: "batches" })).toBe(1);
    expect(value("storage_bytes", { zone: "raw", source: "clicks" })).toBe(1510);

    // A quiet reason's inflow is sampled as 0, so the chart falls back and the minute's average is true.
    expect(value("dead_letters_inflow_per_minute", { source: "clicks", reason: "MALFORMED_JSON" })).toBe(0);
    // The next interval, with no new letters: every series goes on at 0, none disappears.
    const later = await sampler.sampleOnce(new Date(now.getTime() + 15_000), 15_000);
    const inflows = later.filter((s) => s.name === "dead_letters_inflow_per_minute");
    expect(inflows.map((s) => [s.labels.reason, s.value]).sort()).toEqual([
      ["MALFORMED_JSON", 0],
      ["SCHEMA_VIOLATION", 0],
    ]);

    expect(await t.db.prisma.metricSample.count({ where: { step: 0, at: now } })).toBe(samples.length);
    const text = await apiRegistry.metrics();
    expect(text).toContain('inlet_ops_dead_letters_open{source="clicks",reason="SCHEMA_VIOLATION"} 2');
    expect(text).toContain('inlet_ops_queue_depth_messages{queue="batches"} 1');
  });
});

describe("rollupMetricSamples", () => {
  it("averages raw into minutes and minutes into hours, and drops rows past retention", async () => {
    await t.db.prisma.metricSample.deleteMany({});
    const now = new Date("2026-12-10T10:30:20Z");
    const rows = [
      { at: "2026-12-10T09:10:00Z", value: 2 },
      { at: "2026-12-10T09:10:30Z", value: 4 },
      { at: "2026-12-10T09:40:00Z", value: 9 },
      { at: "2026-12-10T10:30:10Z", value: 100 }, // the current minute: not rolled yet
      { at: "2026-12-08T09:00:00Z", value: 1 }, // older than 48 h: deleted
    ];
    await t.db.prisma.metricSample.createMany({
      data: rows.map((r) => ({
        name: "storage_bytes",
        labels: { zone: "raw", source: "a" },
        value: r.value,
        at: new Date(r.at),
      })),
    });
    await t.db.prisma.metricSample.create({
      data: { name: "storage_bytes", labels: {}, value: 5, at: new Date("2026-11-20T00:00:00Z"), step: 60 },
    });

    const r = await rollupMetricSamples(t.db, now);
    expect(r.ran).toBe(true);
    const minutes = await t.db.prisma.metricSample.findMany({ where: { step: 60 }, orderBy: { at: "asc" } });
    expect(minutes.map((m) => [m.at.toISOString(), m.value])).toEqual([
      ["2026-12-10T09:10:00.000Z", 3],
      ["2026-12-10T09:40:00.000Z", 9],
    ]);
    const tens = await t.db.prisma.metricSample.findMany({ where: { step: 600 }, orderBy: { at: "asc" } });
    expect(tens.map((m) => [m.at.toISOString(), m.value])).toEqual([
      ["2026-12-10T09:10:00.000Z", 3],
      ["2026-12-10T09:40:00.000Z", 9],
    ]);
    const hours = await t.db.prisma.metricSample.findMany({ where: { step: 3600 } });
    expect(hours.map((m) => [m.at.toISOString(), m.value])).toEqual([["2026-12-10T09:00:00.000Z", 6]]);
    expect(await t.db.prisma.metricSample.count({ where: { step: 0 } })).toBe(4);

    // Again: nothing doubled.
    await rollupMetricSamples(t.db, now);
    expect(await t.db.prisma.metricSample.count({ where: { step: 60 } })).toBe(2);
    expect(await t.db.prisma.metricSample.count({ where: { step: 3600 } })).toBe(1);
  });

  it("skips a round while another process holds the lease", async () => {
    let result: Awaited<ReturnType<typeof rollupMetricSamples>> | undefined;
    await t.db.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(734118223901)`;
      result = await rollupMetricSamples(t.db);
    });
    expect(result?.ran).toBe(false);
  });
});
