// Reprocessing a range from raw on the real parts: embedded PostgreSQL (catalog, dedupe index, queue),
// the local lake and DuckDB. Rows are counted through the committed snapshot's files, so a row written
// twice or lost anywhere would show.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import { compactTable } from "../maintenance/compact";
import type { Catalog } from "../ports/catalog";
import { type ProcessDeps, processBatches } from "../process/process-batches";
import { curatedColumns, evolveColumns } from "../schema/schema-columns";
import {
  createTestSource,
  enqueueRawBatch,
  readCommittedRows,
  TEST_ORDER_SCHEMA,
  type TestSource,
} from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { runReprocessJob } from "./reprocess-runner";

let bed: PipelineTestBed;
let catalog: Catalog;
let deps: ProcessDeps;

beforeAll(async () => {
  bed = await startPipelineTestBed("reprocess");
  catalog = bed.catalog;
  deps = { catalog, store: bed.store, queue: bed.queue, duck: bed.duck, tmpDir: join(bed.dir, "tmp") };
});

afterAll(async () => {
  await bed?.close();
});

const STRICT_NOTE = {
  ...TEST_ORDER_SCHEMA,
  properties: { ...TEST_ORDER_SCHEMA.properties, note: { type: "string", maxLength: 5 } },
};

const event = (id: string, createdAt: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, amount: 12.5, qty: 2, created_at: createdAt, ...extra });

async function processAll(): Promise<void> {
  for (;;) {
    const got = await bed.queue.receive(BATCHES_QUEUE, { max: 50, visibilityTimeoutMs: 60_000 });
    if (got.length === 0) return;
    await processBatches(deps, got);
  }
}

async function send(src: TestSource, lines: string[], receivedAt: string) {
  const sent = await enqueueRawBatch({ catalog, store: bed.store, queue: bed.queue }, src, lines, {
    receivedAt: new Date(receivedAt),
  });
  await processAll();
  return sent;
}

async function registerSchema(sourceId: string, jsonSchema: unknown, checkedAgainst: number) {
  await catalog.transaction((tx) =>
    tx.registerSchemaVersion({
      sourceId,
      jsonSchema,
      checkedAgainst,
      compatibility: "backward",
      evolveColumns: evolveColumns(curatedColumns(jsonSchema)),
      createdById: undefined,
    }),
  );
}

async function createJob(
  src: TestSource,
  from: string,
  to: string,
  dryRun: boolean,
  ratePerSecond = 100_000,
) {
  const job = await catalog.transaction((tx) =>
    tx.createReprocessJob({
      sourceId: src.id,
      from: new Date(from),
      to: new Date(to),
      dryRun,
      ratePerSecond,
      requestedById: undefined,
      requestedByEmail: "oncall@inlet.local",
    }),
  );
  return job.id;
}

async function run(jobId: string, c: Catalog = catalog, signal?: AbortSignal) {
  return runReprocessJob({ catalog: c, store: bed.store, duck: bed.duck, tmpDir: deps.tmpDir }, jobId, {
    signal,
  });
}

/** Rows per event id in the committed snapshot, and the rows its files say they hold. */
async function curated(src: TestSource) {
  const view = await catalog.tableSnapshot(`curated.${src.slug}`);
  const fileRows = (view?.files ?? []).reduce((n, f) => n + f.rowCount, 0);
  const rows = await readCommittedRows(
    { catalog, store: bed.store },
    `curated.${src.slug}`,
    "_event_id, note",
  );
  const perId = new Map<string, number>();
  for (const r of rows) perId.set(String(r._event_id), (perId.get(String(r._event_id)) ?? 0) + 1);
  expect(fileRows).toBe(rows.length);
  return { seq: view?.seq ?? 0, files: view?.files ?? [], ids: [...perId.keys()].sort(), perId };
}

async function letters(src: TestSource, status: "open" | "replayed") {
  return (await catalog.listDeadLetters({ sourceId: src.id, status }, { limit: 100 })).items;
}

describe("reprocessing from raw", () => {
  it("after a schema is relaxed, a dry run counts the events that would land; the run lands each once and resolves their letters", async () => {
    const src = await createTestSource(bed.t.db, { schema: STRICT_NOTE });
    const long = { note: "far too long" };
    await send(
      src,
      [
        event("a1", "2024-05-01T10:00:00Z"),
        event("a2", "2024-05-01T10:05:00Z", long),
        // Outside the range: stays a letter even though it would pass now.
        event("a3", "2024-05-03T10:00:00Z", long),
      ],
      "2024-05-01T11:00:00Z",
    );
    await send(
      src,
      [event("a4", "2024-05-01T11:00:00Z", long), event("a1", "2024-05-01T10:00:00Z")],
      "2024-05-01T12:00:00Z",
    );
    // a2 reaches curated another way: a later batch (outside the re-read window) carries a fixed copy.
    await send(src, [event("a2", "2024-05-01T10:05:00Z", { note: "ok" })], "2024-05-06T09:00:00Z");
    const before = await curated(src);
    expect(before.ids).toEqual(["a1", "a2"]);
    expect((await letters(src, "open")).map((l) => l.eventId).sort()).toEqual(["a2", "a3", "a4"]);

    await registerSchema(src.id, TEST_ORDER_SCHEMA, 1);

    const dry = await createJob(src, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", true);
    expect(await run(dry)).toBe("succeeded");
    const dryJob = await catalog.getReprocessJob(dry);
    expect(dryJob).toMatchObject({ status: "succeeded", phase: "done", batchesTotal: 2, batchesDone: 2 });
    expect(dryJob?.result).toMatchObject({
      batches: 2,
      events: 5,
      outsideRange: 1,
      rowsReplaced: 1,
      unchanged: 1,
      changed: 0,
      added: 1,
      deadLettered: 0,
      duplicates: 2,
      rowsChanged: 1,
    });
    // A dry run commits nothing.
    expect((await curated(src)).seq).toBe(before.seq);
    expect(await letters(src, "replayed")).toEqual([]);

    const real = await createJob(src, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", false);
    expect(await run(real)).toBe("succeeded");
    const job = await catalog.getReprocessJob(real);
    expect(job?.result).toMatchObject({ added: 1, rowsChanged: 1, deadLettered: 0, lettersResolved: 1 });
    const after = await curated(src);
    expect(after.ids).toEqual(["a1", "a2", "a4"]);
    expect([...after.perId.values()].every((n) => n === 1)).toBe(true);
    expect(after.seq).toBe(before.seq + 1);
    expect(job?.snapshotSeq).toBe(after.seq);
    const resolved = await letters(src, "replayed");
    expect(resolved.map((l) => l.eventId)).toEqual(["a4"]);
    const history = await catalog.deadLetterHistory(resolved[0]!.id);
    expect(history?.map((h) => h.kind)).toEqual(["received", "reprocessed"]);
    expect(history?.[1]).toMatchObject({
      jobId: real,
      by: "oncall@inlet.local",
      table: `curated.${src.slug}`,
      snapshotSeq: after.seq,
    });
    expect((await letters(src, "open")).map((l) => l.eventId).sort()).toEqual(["a2", "a3"]);

    // The previous snapshot's files stay readable until vacuum.
    for (const f of before.files) expect(await bed.store.get(f.path)).toBeDefined();

    // Running it again changes nothing and duplicates nothing.
    const again = await createJob(src, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", false);
    expect(await run(again)).toBe("succeeded");
    const unchanged = await catalog.getReprocessJob(again);
    expect(unchanged?.result).toMatchObject({ rowsChanged: 0, added: 0, filesRemoved: 0, filesAdded: 0 });
    expect(unchanged?.snapshotSeq).toBeNull();
    expect((await curated(src)).ids).toEqual(["a1", "a2", "a4"]);
    expect((await curated(src)).seq).toBe(after.seq);
  });

  it("dead-letters rows that now fail, keeps the rest of their file, and loses no concurrent commit", async () => {
    const src = await createTestSource(bed.t.db);
    await send(
      src,
      [
        event("c1", "2024-05-01T08:00:00Z"),
        event("c2", "2024-05-01T09:00:00Z", { qty: undefined }),
        // Same dt partition (same file), outside the range: rewritten unchanged.
        event("c3", "2024-05-01T15:00:00Z", { qty: undefined }),
        // Another partition, outside the range.
        event("c4", "2024-05-02T09:00:00Z", { qty: undefined }),
      ],
      "2024-05-01T10:00:00Z",
    );
    expect((await curated(src)).ids).toEqual(["c1", "c2", "c3", "c4"]);
    await registerSchema(
      src.id,
      { ...TEST_ORDER_SCHEMA, required: [...TEST_ORDER_SCHEMA.required, "qty"] },
      1,
    );

    const dry = await createJob(src, "2024-05-01T00:00:00Z", "2024-05-01T12:00:00Z", true);
    expect(await run(dry)).toBe("succeeded");
    expect((await catalog.getReprocessJob(dry))?.result).toMatchObject({
      rowsReplaced: 2,
      deadLettered: 1,
      rowsChanged: 1,
      outsideRange: 2,
      rowsKept: 0,
    });

    // A worker commits another batch of the range while the reprocess is about to commit.
    let interleaved = false;
    const racing = Object.create(catalog) as Catalog;
    racing.transaction = async (fn) => {
      if (!interleaved) {
        interleaved = true;
        await send(src, [event("c9", "2024-05-01T09:30:00Z")], "2024-05-07T10:00:00Z");
      }
      return catalog.transaction(fn);
    };
    const real = await createJob(src, "2024-05-01T00:00:00Z", "2024-05-01T12:00:00Z", false);
    expect(await run(real, racing)).toBe("succeeded");
    expect(interleaved).toBe(true);
    const after = await curated(src);
    expect(after.ids).toEqual(["c1", "c3", "c4", "c9"]);
    const open = await letters(src, "open");
    expect(open.map((l) => [l.eventId, l.reasonCode])).toEqual([["c2", "SCHEMA_VIOLATION"]]);
    // Its claim is given back: a fixed replay of it can land.
    expect(await catalog.claimedEventIds(src.id, ["c1", "c2"])).toEqual(new Set(["c1"]));
  });

  it("plans again when a compaction replaced a file of the range before its commit", async () => {
    const src = await createTestSource(bed.t.db, { schema: STRICT_NOTE });
    await send(src, [event("k1", "2024-05-01T10:00:00Z")], "2024-05-01T10:00:00Z");
    await send(src, [event("k2", "2024-05-01T11:00:00Z", { note: "too long!" })], "2024-05-01T11:00:00Z");
    await send(src, [event("k3", "2024-05-01T12:00:00Z")], "2024-05-01T12:00:00Z");
    expect((await curated(src)).files).toHaveLength(2);
    await registerSchema(src.id, TEST_ORDER_SCHEMA, 1);

    let compacted = false;
    const racing = Object.create(catalog) as Catalog;
    racing.transaction = async (fn) => {
      if (!compacted) {
        compacted = true;
        const r = await compactTable({ ...deps, catalog }, `curated.${src.slug}`, { minFiles: 2 });
        expect(r.filesRemoved).toBe(2);
      }
      return catalog.transaction(fn);
    };
    const job = await createJob(src, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", false);
    expect(await run(job, racing)).toBe("succeeded");
    expect((await catalog.getReprocessJob(job))?.result).toMatchObject({ added: 1, rowsReplaced: 2 });
    const after = await curated(src);
    expect(after.ids).toEqual(["k1", "k2", "k3"]);
    expect([...after.perId.values()].every((n) => n === 1)).toBe(true);
  });

  it("keeps to its rate, refuses a second job of the source while one runs, and a cancelled job changes nothing", async () => {
    const src = await createTestSource(bed.t.db, { schema: STRICT_NOTE });
    await send(
      src,
      [1, 2, 3, 4].map((i) => event(`r${i}`, "2024-05-01T10:00:00Z", { note: "much too long" })),
      "2024-05-01T10:00:00Z",
    );
    await registerSchema(src.id, TEST_ORDER_SCHEMA, 1);

    const cancelled = await createJob(src, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", false);
    await expect(createJob(src, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", true)).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await catalog.transaction((tx) => tx.cancelReprocessJob(cancelled));
    expect(await run(cancelled)).toBe("cancelled");
    expect((await curated(src)).ids).toEqual([]);

    const paced = await createJob(src, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", false, 2);
    const started = Date.now();
    expect(await run(paced)).toBe("succeeded");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect((await curated(src)).ids).toEqual(["r1", "r2", "r3", "r4"]);
    expect(await letters(src, "open")).toEqual([]);
  });

  it("a run stopped with its worker commits nothing and starts over in the next; a raw object gone fails the job, saying which", async () => {
    const src = await createTestSource(bed.t.db, { schema: STRICT_NOTE });
    const sent = await send(
      src,
      [event("s1", "2024-05-01T10:00:00Z"), event("s2", "2024-05-01T10:00:00Z", { note: "much too long" })],
      "2024-05-01T10:00:00Z",
    );
    await registerSchema(src.id, TEST_ORDER_SCHEMA, 1);
    const before = await curated(src);

    const job = await createJob(src, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", false);
    const stopping = new AbortController();
    stopping.abort();
    expect(await run(job, catalog, stopping.signal)).toBe("stopped");
    expect(await catalog.getReprocessJob(job)).toMatchObject({ status: "running", snapshotSeq: null });
    expect((await curated(src)).seq).toBe(before.seq);
    expect(await catalog.runnableReprocessJobs(10)).toContain(job);
    expect(await run(job)).toBe("succeeded");
    expect((await curated(src)).ids).toEqual(["s1", "s2"]);

    await bed.store.delete([sent.rawKey]);
    const gone = await createJob(src, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", true);
    expect(await run(gone)).toBe("failed");
    const failed = await catalog.getReprocessJob(gone);
    expect(failed?.status).toBe("failed");
    expect(failed?.error).toContain(sent.rawKey);
  });
});
