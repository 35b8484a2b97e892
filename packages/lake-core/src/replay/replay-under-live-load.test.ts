// A replay job giving way to live ingest still lands every letter exactly once: the runner backs off
// while live batches wait in the queue, and live batches and replay batches are processed together.
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import type { Catalog } from "../ports/catalog";
import { type ProcessDeps, processBatches } from "../process/process-batches";
import {
  createTestSource,
  enqueueRawBatch,
  readCommittedRows,
  type TestSource,
  waitUntil,
} from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { runReplayJob } from "./replay-runner";

let bed: PipelineTestBed;
let catalog: Catalog;
let deps: ProcessDeps;

beforeAll(async () => {
  bed = await startPipelineTestBed("replay-live");
  catalog = bed.catalog;
  deps = { catalog, store: bed.store, queue: bed.queue, duck: bed.duck, tmpDir: join(bed.dir, "tmp") };
});

afterAll(async () => {
  await bed?.close();
});

const order = (id: string, amount: unknown = 12.5) =>
  JSON.stringify({ id, amount, qty: 2, created_at: "2024-05-01T10:00:00Z" });

/** Processes `batches` messages a few at a time until `stop` says so and none is left. */
async function processUntil(stop: () => boolean): Promise<void> {
  for (;;) {
    const got = await bed.queue.receive(BATCHES_QUEUE, { max: 3, visibilityTimeoutMs: 60_000, waitMs: 20 });
    if (got.length > 0) await processBatches(deps, got);
    else if (stop()) return;
  }
}

async function curatedIds(src: TestSource): Promise<Map<string, number>> {
  const rows = await readCommittedRows({ catalog, store: bed.store }, `curated.${src.slug}`, "_event_id");
  const perId = new Map<string, number>();
  for (const r of rows) perId.set(String(r._event_id), (perId.get(String(r._event_id)) ?? 0) + 1);
  return perId;
}

describe("a replay giving way to live ingest", () => {
  it("backs off while live batches wait, and still lands every letter exactly once beside them", async () => {
    const src = await createTestSource(bed.t.db);
    // Letters: orders whose amount is a string; each is fixed by an edit.
    const letterIds = Array.from({ length: 60 }, (_, i) => `dl-${i}`);
    await enqueueRawBatch(
      bed,
      src,
      letterIds.map((id) => order(id, "12")),
    );
    await processUntil(() => true);
    const letters = (await catalog.listDeadLetters({ sourceId: src.id, status: "open" }, { limit: 100 }))
      .items;
    expect(letters).toHaveLength(60);
    for (const l of letters) {
      await catalog.transaction((tx) =>
        tx.recordDeadLetterEdit(l.id, order(l.eventId ?? "", 7), {
          id: undefined,
          email: "oncall@inlet.local",
        }),
      );
    }

    // Live ingest already waiting when the job starts, and more sent while it runs.
    const liveIds: string[] = [];
    const sendLive = async (batches: number, tag: string) => {
      for (let b = 0; b < batches; b++) {
        const ids = Array.from({ length: 20 }, (_, i) => `live-${tag}-${b}-${i}`);
        liveIds.push(...ids);
        await enqueueRawBatch(
          bed,
          src,
          ids.map((id) => order(id)),
        );
      }
    };
    await sendLive(12, "a");

    const { job } = await catalog.transaction((tx) =>
      tx.createReplayJob({
        selection: { letterIds: letters.map((l) => l.id) },
        ratePerSecond: 100_000,
        requestedById: undefined,
        requestedByEmail: "oncall@inlet.local",
      }),
    );
    const logged: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(line) });
    const run = runReplayJob(
      {
        catalog,
        store: bed.store,
        queue: bed.queue,
        logger,
        // Ten events per replay batch, so the job is several batches; any live batch waiting, however
        // briefly, is a backlog.
        limits: { maxEventsPerBatch: 10 },
        priority: "live",
        pace: { backlogBound: 0, ageBoundMs: 0 },
      },
      job.id,
      { pollMs: 20 },
    );
    // Nothing is processed until the runner has seen the live batches waiting and backed off.
    await waitUntil("the replay backing off", async () => logged.some((l) => l.includes("backing off")));
    // The job says so: the console shows the rate it sends at while it gives way.
    const backedOff = await catalog.getReplayJob(job.id);
    expect(backedOff?.ratePerSecond).toBe(100_000);
    expect(backedOff?.sendingRate).toBeGreaterThan(0);
    expect(backedOff?.sendingRate).toBeLessThan(100_000);
    let done = false;
    const processing = processUntil(() => done);
    await sendLive(8, "b");
    const result = await run;
    done = true;
    await processing;

    expect(result).toBe("succeeded");
    const after = await catalog.getReplayJob(job.id);
    expect(after?.progress).toMatchObject({ total: 60, landed: 60, duplicates: 0, stillFailing: 0 });
    expect(await catalog.listDeadLetters({ sourceId: src.id, status: "open" }, { limit: 100 })).toMatchObject(
      {
        items: [],
      },
    );
    const perId = await curatedIds(src);
    for (const id of [...letterIds, ...liveIds]) expect(perId.get(id), `rows of ${id}`).toBe(1);
    expect(perId.size).toBe(letterIds.length + liveIds.length);
    // Each letter's history names the job that sent it and the snapshot it landed in.
    const history = await catalog.deadLetterHistory(letters[0]!.id);
    expect(history?.map((h) => h.kind)).toContain("landed");
  });
});
