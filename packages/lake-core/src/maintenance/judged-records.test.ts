// The record of a batch's judged events ({rawKey}.judged.json) lives only as long as the batch may be
// retried: the worker deletes it once the batch commits or is dead-lettered as poison, and the
// vacuum's sweep deletes those a crash left behind, never one of a batch still waiting.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acceptBatch } from "../ingest/accept-batch";
import { judgedEventsKey } from "../ingest/accept-judgement";
import { decodeIngestBody } from "../ingest/ingest-body";
import { BATCHES_QUEUE, newBatchId } from "../ingest/raw-batch";
import { armFailPoints } from "../process/failpoints";
import { recordPoisonBatches } from "../process/poison-batches";
import { processBatches } from "../process/process-batches";
import { runReprocessJob } from "../replay/reprocess-runner";
import { curatedColumns, evolveColumns } from "../schema/schema-columns";
import { loadSource } from "../schema/source-schema";
import {
  createTestSource,
  readCommittedRows,
  TEST_ORDER_SCHEMA,
  type TestSource,
} from "../testing/pipeline-fixtures";
import { usePipelineTestBed } from "../testing/pipeline-test-bed";
import { sweepJudgedRecords } from "./judged-records";

const bed = usePipelineTestBed("judged-records", { maxReceives: 2 });

afterEach(() => armFailPoints(undefined));

const order = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, amount: 12.5, qty: 2, paid: true, created_at: "2024-05-01T10:00:00Z", ...extra });

/** The path the HTTP route takes: judge while checking, then accept with the verdicts. */
async function acceptJudged(source: TestSource, lines: string[], receivedAt = new Date()) {
  const { catalog, store, queue } = bed;
  const loaded = await loadSource(catalog, source.id);
  const batchId = newBatchId(receivedAt);
  const decoded = await decodeIngestBody(
    {
      contentType: "application/x-ndjson",
      contentEncoding: undefined,
      headers: {},
      body: Buffer.from(lines.map((l) => `${l}\n`).join("")),
    },
    undefined,
    { source: loaded, batchId, receivedAt },
  );
  if (!decoded.ok) throw new Error(decoded.message);
  const accepted = await acceptBatch(
    { catalog, store, queue },
    {
      source,
      body: decoded.bytesToStore,
      format: decoded.format,
      eventCount: decoded.eventCount,
      receivedAt,
      origin: "http",
      batchId,
      newBatch: true,
      judgement: decoded.judgement,
    },
  );
  const record = judgedEventsKey(accepted.rawKey);
  expect(await bed.store.head(record)).toBeDefined();
  return { ...accepted, record };
}

async function processAll() {
  const deps = {
    catalog: bed.catalog,
    store: bed.store,
    queue: bed.queue,
    duck: bed.duck,
    tmpDir: join(bed.dir, "tmp"),
  };
  return processBatches(
    deps,
    await bed.queue.receive(BATCHES_QUEUE, { max: 100, visibilityTimeoutMs: 60_000 }),
  );
}

async function flagged(batchId: string): Promise<{ status: string; judged_record: boolean }> {
  const res = await bed.t.db.pool.query<{ status: string; judged_record: boolean }>(
    "SELECT status, judged_record FROM batches WHERE id = $1",
    [batchId],
  );
  return res.rows[0]!;
}

describe("the record of a batch's judged events", () => {
  it("is deleted once the batch commits, its rows stored from it", async () => {
    const source = await createTestSource(bed.t.db);
    const batch = await acceptJudged(source, [order("c1"), order("c2"), order("c3", { amount: "x" })]);
    expect(await flagged(batch.batchId)).toEqual({ status: "received", judged_record: true });
    expect(await processAll()).toMatchObject({ committed: 1, accepted: 2, rejected: 1 });
    expect(await bed.store.head(batch.record)).toBeUndefined();
    // The raw object itself stays, for replays and reprocessing.
    expect(await bed.store.head(batch.rawKey)).toBeDefined();
    const rows = await readCommittedRows(bed, `curated.${source.slug}`);
    expect(rows.map((r) => r._event_id).sort()).toEqual(["c1", "c2"]);
  });

  it("is kept while the batch is retried, and deleted once it is dead-lettered as poison", async () => {
    const source = await createTestSource(bed.t.db);
    const batch = await acceptJudged(source, [order("p1"), order("p2")]);
    armFailPoints("poison-event:p1");
    expect(await processAll()).toMatchObject({ committed: 0, retried: 1 });
    expect(await bed.store.head(batch.record)).toBeDefined();
    expect(await processAll()).toMatchObject({ committed: 0, retried: 1 });
    const dead = await bed.queue.takeDead(BATCHES_QUEUE, 10);
    expect(dead.map((d) => d.body.batchId)).toEqual([batch.batchId]);
    expect(await bed.store.head(batch.record)).toBeDefined();
    expect(await recordPoisonBatches(bed, dead)).toBe(1);
    expect((await flagged(batch.batchId)).status).toBe("failed");
    expect(await bed.store.head(batch.record)).toBeUndefined();
    expect(await bed.store.head(batch.rawKey)).toBeDefined();
  });

  it("left behind by a crash is swept by the vacuum after the grace period, a waiting batch's kept", async () => {
    const source = await createTestSource(bed.t.db);
    const done = await acceptJudged(source, [order("s1"), order("s2")]);
    const body = (await bed.store.get(done.record))!;
    expect(await processAll()).toMatchObject({ committed: 1 });
    // As if the worker died between its commit and the delete.
    await bed.store.put(done.record, body);
    const waiting = await acceptJudged(source, [order("s3")]);

    expect(await sweepJudgedRecords(bed, { graceMs: 60 * 60_000 })).toBe(0);
    expect(await bed.store.head(done.record)).toBeDefined();

    const swept = await sweepJudgedRecords(bed, { graceMs: 0, now: new Date(Date.now() + 1_000) });
    expect(swept).toBeGreaterThanOrEqual(1);
    expect(await bed.store.head(done.record)).toBeUndefined();
    expect(await flagged(done.batchId)).toEqual({ status: "committed", judged_record: false });
    // A batch still waiting keeps its record: the worker reads it when it gets to the batch.
    expect(await bed.store.head(waiting.record)).toBeDefined();
    expect(await flagged(waiting.batchId)).toEqual({ status: "received", judged_record: true });
    expect(await sweepJudgedRecords(bed, { graceMs: 0, now: new Date(Date.now() + 1_000) })).toBe(0);

    expect(await processAll()).toMatchObject({ committed: 1 });
    expect(await bed.store.head(waiting.record)).toBeUndefined();
  });

  it("is not needed to reprocess a committed batch from raw", async () => {
    const strict = {
      ...TEST_ORDER_SCHEMA,
      properties: { ...TEST_ORDER_SCHEMA.properties, note: { type: "string", maxLength: 5 } },
    };
    const source = await createTestSource(bed.t.db, { schema: strict });
    const batch = await acceptJudged(
      source,
      [order("r1"), order("r2", { note: "far too long" })],
      new Date("2024-05-01T12:00:00Z"),
    );
    expect(batch.deadLettered).toBe(1);
    expect(await processAll()).toMatchObject({ committed: 1, accepted: 1 });
    expect(await bed.store.head(batch.record)).toBeUndefined();

    // The schema is relaxed: reprocessing judges the raw object again, without the record.
    await bed.catalog.transaction((tx) =>
      tx.registerSchemaVersion({
        sourceId: source.id,
        jsonSchema: TEST_ORDER_SCHEMA,
        checkedAgainst: 1,
        compatibility: "backward",
        evolveColumns: evolveColumns(curatedColumns(TEST_ORDER_SCHEMA)),
        createdById: undefined,
      }),
    );
    const job = await bed.catalog.transaction((tx) =>
      tx.createReprocessJob({
        sourceId: source.id,
        from: new Date("2024-05-01T00:00:00Z"),
        to: new Date("2024-05-02T00:00:00Z"),
        dryRun: false,
        ratePerSecond: 100_000,
        requestedById: undefined,
        requestedByEmail: "oncall@inlet.local",
      }),
    );
    const tmpDir = join(bed.dir, "tmp");
    expect(
      await runReprocessJob({ catalog: bed.catalog, store: bed.store, duck: bed.duck, tmpDir }, job.id),
    ).toBe("succeeded");
    const rows = await readCommittedRows(bed, `curated.${source.slug}`);
    expect(rows.map((r) => r._event_id).sort()).toEqual(["r1", "r2"]);
  });
});
