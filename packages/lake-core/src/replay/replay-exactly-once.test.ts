// Replaying dead letters exactly once, on the real parts: embedded PostgreSQL (catalog, dedupe index,
// queue), the local lake and DuckDB writing Parquet. Rows in curated are counted through the catalog's
// committed files, so a row written twice anywhere would show.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InletError } from "../errors";
import { acceptBatch } from "../ingest/accept-batch";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import type { Catalog, CatalogTransaction } from "../ports/catalog";
import type { ReplaySelection } from "../ports/replay-catalog";
import { type ProcessDeps, processBatches } from "../process/process-batches";
import {
  createTestSource,
  enqueueRawBatch,
  readCommittedRows,
  TEST_ORDER_SCHEMA,
  type TestSource,
} from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { dryRunReplay } from "./replay-dry-run";
import { replayBatchId, runReplayJob } from "./replay-runner";

let bed: PipelineTestBed;
let catalog: Catalog;
let deps: ProcessDeps;

beforeAll(async () => {
  bed = await startPipelineTestBed("replay");
  catalog = bed.catalog;
  deps = { catalog, store: bed.store, queue: bed.queue, duck: bed.duck, tmpDir: join(bed.dir, "tmp") };
});

afterAll(async () => {
  await bed?.close();
});

const order = (id: string | undefined, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...(id === undefined ? {} : { id }),
    amount: 12.5,
    qty: 2,
    created_at: "2024-05-01T10:00:00Z",
    ...extra,
  });

/** Receives and processes `batches` messages until the queue has none visible. */
async function processAll(d: ProcessDeps = deps): Promise<void> {
  for (;;) {
    const got = await bed.queue.receive(BATCHES_QUEUE, { max: 50, visibilityTimeoutMs: 60_000 });
    if (got.length === 0) return;
    await processBatches(d, got);
  }
}

async function send(src: TestSource, lines: string[]) {
  const sent = await enqueueRawBatch({ catalog, store: bed.store, queue: bed.queue }, src, lines);
  await processAll();
  return sent;
}

async function openLetters(src: TestSource) {
  return (await catalog.listDeadLetters({ sourceId: src.id, status: "open" }, { limit: 100 })).items;
}

/** Fixes a letter: its payload with a numeric amount, recorded as an edit. */
async function fix(letterId: string, payload: string) {
  await catalog.transaction((tx) =>
    tx.recordDeadLetterEdit(letterId, payload, { id: undefined, email: "oncall@inlet.local" }),
  );
}

async function createJob(selection: ReplaySelection, ratePerSecond = 100_000) {
  const created = await catalog.transaction((tx) =>
    tx.createReplayJob({
      selection,
      ratePerSecond,
      requestedById: undefined,
      requestedByEmail: "oncall@inlet.local",
    }),
  );
  return created.job.id;
}

/** Runs the job and the worker's processing in turn until the job has ended. */
async function runToEnd(jobId: string) {
  for (let i = 0; i < 50; i++) {
    const result = await runReplayJob({ catalog, store: bed.store, queue: bed.queue }, jobId, {
      returnWhenSent: true,
    });
    if (result !== "waiting" && result !== "busy") return result;
    await processAll();
  }
  throw new Error(`replay job ${jobId} did not end`);
}

/** Curated rows per event id, and the rows the catalog's committed files hold in all. */
async function curated(src: TestSource) {
  const view = await catalog.tableSnapshot(`curated.${src.slug}`);
  const fileRows = (view?.files ?? []).reduce((n, f) => n + f.rowCount, 0);
  const rows = await readCommittedRows(
    { catalog, store: bed.store },
    `curated.${src.slug}`,
    "_event_id, amount",
  );
  const perId = new Map<string, number>();
  for (const r of rows) perId.set(String(r._event_id), (perId.get(String(r._event_id)) ?? 0) + 1);
  return { fileRows, rows, perId };
}

function expectOnceEach(c: Awaited<ReturnType<typeof curated>>, ids: string[]) {
  for (const id of ids) expect(c.perId.get(id), `rows of ${id}`).toBe(1);
  expect([...c.perId.values()].every((n) => n === 1)).toBe(true);
  expect(c.fileRows).toBe(c.rows.length);
}

describe("replaying dead letters", () => {
  it("lands fixed letters once, resolves them, refuses to take them again, and a forced second replay adds nothing", async () => {
    const src = await createTestSource(bed.t.db);
    await send(src, [order("a1"), order("a2", { amount: "12" }), order("a3", { amount: "x" })]);
    const letters = await openLetters(src);
    expect(letters.map((l) => l.eventId).sort()).toEqual(["a2", "a3"]);
    for (const l of letters) await fix(l.id, order(l.eventId ?? undefined, { amount: 7 }));

    const jobId = await createJob({ letterIds: letters.map((l) => l.id) });
    expect(await runToEnd(jobId)).toBe("succeeded");
    const job = await catalog.getReplayJob(jobId);
    expect(job?.progress).toMatchObject({ total: 2, landed: 2, duplicates: 0, stillFailing: 0, replayed: 2 });
    expect(await openLetters(src)).toEqual([]);
    const c = await curated(src);
    expectOnceEach(c, ["a1", "a2", "a3"]);
    expect(c.rows.find((r) => r._event_id === "a2")?.amount).toBe(7);

    // The history says which job sent it, in which batch, and which snapshot it landed in.
    const history = await catalog.deadLetterHistory(letters[0]!.id);
    expect(history?.map((h) => h.kind)).toEqual([
      "received",
      "edited",
      "replay_queued",
      "replay_sent",
      "landed",
    ]);
    const landed = history?.at(-1);
    expect(landed).toMatchObject({ kind: "landed", jobId, table: `curated.${src.slug}` });
    expect(landed?.kind === "landed" && landed.snapshotSeq).toBeGreaterThan(0);

    // Replayed letters are no longer open: a second job over them is refused, saying so.
    const again = await createJob({ letterIds: letters.map((l) => l.id) }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(InletError);
    expect((again as InletError).code).toBe("BAD_REQUEST");
    expect((again as InletError).message).toMatch(/is replayed, not open/);

    // Forced: the letters reopened behind the catalog's back and replayed again land nothing twice.
    await bed.t.db.pool.query("UPDATE dead_letters SET status = 'open' WHERE source_id = $1", [src.id]);
    const second = await createJob({ letterIds: letters.map((l) => l.id) });
    expect(await runToEnd(second)).toBe("succeeded");
    expect((await catalog.getReplayJob(second))?.progress).toMatchObject({ landed: 0, duplicates: 2 });
    expectOnceEach(await curated(src), ["a1", "a2", "a3"]);
    expect((await curated(src)).rows).toHaveLength(3);
  });

  it("replays a letter counting two copies of its event once; a copy sent after that opens a new letter", async () => {
    const src = await createTestSource(bed.t.db);
    await send(src, [order("k1", { amount: "bad" }), order("k2")]);
    await send(src, [order("k1", { amount: "bad" })]);
    const letters = await openLetters(src);
    expect(letters.map((l) => [l.eventId, l.copies])).toEqual([["k1", 2]]);
    await fix(letters[0]!.id, order("k1", { amount: 4 }));
    const jobId = await createJob({ letterIds: [letters[0]!.id] });
    expect(await runToEnd(jobId)).toBe("succeeded");
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({ total: 1, landed: 1, replayed: 1 });
    expect(await catalog.getDeadLetter(letters[0]!.id)).toMatchObject({ status: "replayed", copies: 2 });
    expect(await openLetters(src)).toEqual([]);
    expectOnceEach(await curated(src), ["k1", "k2"]);

    // The producer sends its bad copy once more: the replayed letter is history, this is new work.
    await send(src, [order("k1", { amount: "bad" })]);
    const reopened = await openLetters(src);
    expect(reopened.map((l) => [l.eventId, l.copies])).toEqual([["k1", 1]]);
    expect(reopened[0]!.id).not.toBe(letters[0]!.id);
    expectOnceEach(await curated(src), ["k1", "k2"]);
  });

  it("two overlapping jobs: a letter held by one is refused to the other (409 naming it), and two letters of one event land it once", async () => {
    const src = await createTestSource(bed.t.db);
    // The same two events refused twice, for two causes (the producer retried with another fault): four
    // letters, two event ids.
    await send(src, [order("b1", { amount: "1" }), order("b2", { amount: "2" })]);
    await send(src, [order("b1", { qty: 1.5 }), order("b2", { qty: 2.5 })]);
    const letters = await openLetters(src);
    expect(letters).toHaveLength(4);
    for (const l of letters) await fix(l.id, order(l.eventId ?? undefined, { amount: 3 }));
    // One letter of each event for each job.
    const byEvent = (id: string) => letters.filter((l) => l.eventId === id);
    const first = [byEvent("b1")[0]!, byEvent("b2")[0]!];
    const second = [byEvent("b1")[1]!, byEvent("b2")[1]!];

    const jobA = await createJob({ letterIds: first.map((l) => l.id) });
    const conflict = await createJob({ letterIds: [first[0]!.id, second[0]!.id] }).catch((e: unknown) => e);
    expect((conflict as InletError).code).toBe("CONFLICT");
    expect((conflict as InletError).message).toContain(`job ${jobA}`);
    // A filter over the source takes the same letters: refused too.
    const byFilter = await createJob({ filter: { sourceId: src.id } }).catch((e: unknown) => e);
    expect((byFilter as InletError).code).toBe("CONFLICT");
    // Nor may a held letter be edited or discarded meanwhile.
    const edit = await fix(first[0]!.id, order("b1")).catch((e: unknown) => e);
    expect((edit as InletError).code).toBe("CONFLICT");

    const jobB = await createJob({ letterIds: second.map((l) => l.id) });
    // Both runners send at once; their batches are processed in one flush (the group's own dedupe).
    const runs = await Promise.all(
      [jobA, jobB].map((id) =>
        runReplayJob({ catalog, store: bed.store, queue: bed.queue }, id, { returnWhenSent: true }),
      ),
    );
    expect(runs).toEqual(["waiting", "waiting"]);
    await processAll();
    expect(await runToEnd(jobA)).toBe("succeeded");
    expect(await runToEnd(jobB)).toBe("succeeded");
    const [a, b] = [await catalog.getReplayJob(jobA), await catalog.getReplayJob(jobB)];
    expect((a?.progress.landed ?? 0) + (b?.progress.landed ?? 0)).toBe(2);
    expect((a?.progress.duplicates ?? 0) + (b?.progress.duplicates ?? 0)).toBe(2);
    expectOnceEach(await curated(src), ["b1", "b2"]);
    expect(await openLetters(src)).toEqual([]);
  });

  it("two letters of one event replayed by jobs committed in separate flushes: the dedupe index keeps one", async () => {
    const src = await createTestSource(bed.t.db);
    await send(src, [order("c1", { amount: "1" })]);
    await send(src, [order("c1", { qty: 1.5 })]);
    const [l1, l2] = await openLetters(src);
    await fix(l1!.id, order("c1", { amount: 1 }));
    await fix(l2!.id, order("c1", { amount: 2 }));
    const jobA = await createJob({ letterIds: [l1!.id] });
    const jobB = await createJob({ letterIds: [l2!.id] });
    expect(await runToEnd(jobA)).toBe("succeeded");
    expect(await runToEnd(jobB)).toBe("succeeded");
    expect((await catalog.getReplayJob(jobB))?.progress).toMatchObject({ landed: 0, duplicates: 1 });
    const c = await curated(src);
    expectOnceEach(c, ["c1"]);
    expect(c.rows[0]?.amount).toBe(1);
  });

  it("survives a replay runner that dies between recording a chunk and accepting its batch", async () => {
    const src = await createTestSource(bed.t.db);
    await send(
      src,
      ["d1", "d2", "d3", "d4", "d5"].map((id) => order(id, { amount: "bad" })),
    );
    const letters = await openLetters(src);
    for (const l of letters) await fix(l.id, order(l.eventId ?? undefined, { amount: 5 }));
    // Two events per chunk (a second's worth at 2/s): three replay batches.
    const jobId = await createJob({ letterIds: letters.map((l) => l.id) }, 2);

    // The process "dies" (its run stops where it is) after the second chunk is recorded as sent.
    const dying = new AbortController();
    let chunks = 0;
    const died = await runReplayJob({ catalog, store: bed.store, queue: bed.queue }, jobId, {
      signal: dying.signal,
      returnWhenSent: true,
      beforeAccept: () => {
        chunks += 1;
        if (chunks === 2) {
          dying.abort();
          throw new Error("killed");
        }
      },
    });
    expect(died).toBe("stopped");
    const state = await catalog.getReplayJob(jobId);
    expect(state?.status).toBe("running");
    expect(state?.cursor).toBe(4);
    const outstanding = await catalog.outstandingReplayBatches(jobId);
    expect(outstanding.map((b) => b.status)).toEqual(["received", undefined]);

    // Another run (the next process to take the lease) sends that chunk again under the same id.
    expect(await runToEnd(jobId)).toBe("succeeded");
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({ landed: 5, duplicates: 0 });
    const ids = outstanding.map((b) => b.batchId);
    expect(ids[1]).toBe(replayBatchId(jobId, 3));
    expect((await catalog.batchStates(ids)).get(ids[1]!)?.status).toBe("committed");
    expectOnceEach(await curated(src), ["d1", "d2", "d3", "d4", "d5"]);
  });

  it("settles a letter that cannot be sent together with its chunk: a run stopped before the chunk is recorded strands none", async () => {
    const src = await createTestSource(bed.t.db);
    await send(
      src,
      ["u1", "u2", "u3"].map((id) => order(id, { amount: "bad" })),
    );
    const letters = (await openLetters(src)).sort((a, b) =>
      String(a.eventId).localeCompare(String(b.eventId)),
    );
    await fix(letters[0]!.id, order("u1", { amount: 5 }));
    await fix(letters[1]!.id, "{not json");
    await fix(letters[2]!.id, order("u3", { amount: 5 }));
    const jobId = await createJob({ letterIds: letters.map((l) => l.id) });

    // The chunk (u1, u3, with u2 unsendable between them) cannot be recorded: the catalog is away.
    let refused = 0;
    const away = new Proxy(catalog, {
      get(target, prop) {
        if (prop === "assignReplayBatch" && refused === 0) {
          return async () => {
            refused += 1;
            throw new InletError("UNAVAILABLE", "catalog away");
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    expect(
      await runReplayJob({ catalog: away, store: bed.store, queue: bed.queue }, jobId, {
        returnWhenSent: true,
      }),
    ).toBe("stopped");
    expect(refused).toBe(1);
    // Nothing moved: not even the unsendable letter's settlement, which would carry the cursor past u1.
    expect((await catalog.getReplayJob(jobId))?.cursor).toBe(0);

    expect(await runToEnd(jobId)).toBe("succeeded");
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({
      landed: 2,
      stillFailing: 1,
      sent: 0,
      queued: 0,
    });
    expectOnceEach(await curated(src), ["u1", "u3"]);
  });

  it("sends nothing of a chunk read before a cancel committed: its letters are skipped and stay open", async () => {
    const src = await createTestSource(bed.t.db);
    await send(src, [order("c1", { amount: "bad" })]);
    const letters = await openLetters(src);
    await fix(letters[0]!.id, order("c1", { amount: 5 }));
    const jobId = await createJob({ letterIds: letters.map((l) => l.id) });
    // The cancel commits after the runner read the chunk's letters and before it records the chunk.
    const racing = new Proxy(catalog, {
      get(target, prop) {
        if (prop === "nextReplayItems") {
          return async (...args: Parameters<Catalog["nextReplayItems"]>) => {
            const items = await target.nextReplayItems(...args);
            await target.transaction((tx) =>
              tx.setReplayJobStatus(jobId, "cancelled", ["queued", "running", "paused"]),
            );
            return items;
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    expect(
      await runReplayJob({ catalog: racing, store: bed.store, queue: bed.queue }, jobId, {
        returnWhenSent: true,
      }),
    ).toBe("cancelled");
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({ skipped: 1, sent: 0, landed: 0 });
    expect(await catalog.outstandingReplayBatches(jobId)).toEqual([]);
    await processAll();
    expect((await curated(src)).rows).toEqual([]);
    expect(await openLetters(src)).toHaveLength(1);
  });

  it("ends a job whose recorded batch lost its letters (their source purged) instead of waiting for it", async () => {
    const src = await createTestSource(bed.t.db);
    await send(src, [order("p1", { amount: "bad" })]);
    const letters = await openLetters(src);
    await fix(letters[0]!.id, order("p1", { amount: 5 }));
    const jobId = await createJob({ letterIds: letters.map((l) => l.id) });
    const dying = new AbortController();
    expect(
      await runReplayJob({ catalog, store: bed.store, queue: bed.queue }, jobId, {
        signal: dying.signal,
        returnWhenSent: true,
        beforeAccept: () => {
          dying.abort();
          throw new Error("killed");
        },
      }),
    ).toBe("stopped");
    // A purge deletes the source's letters, and with them their items of the job.
    await bed.t.db.pool.query("DELETE FROM dead_letters WHERE source_id = $1", [src.id]);
    expect(await runToEnd(jobId)).toBe("succeeded");
    expect(await catalog.outstandingReplayBatches(jobId)).toEqual([]);
  });

  it("keeps a job running when the store is briefly away, and goes on from its cursor once it is back", async () => {
    const src = await createTestSource(bed.t.db);
    await send(src, [order("s1", { amount: "bad" })]);
    const letters = await openLetters(src);
    for (const l of letters) await fix(l.id, order(l.eventId ?? undefined, { amount: 5 }));
    const jobId = await createJob({ letterIds: letters.map((l) => l.id) });
    let puts = 0;
    const away = new Proxy(bed.store, {
      get(target, prop) {
        if (prop === "put") {
          return async () => {
            puts += 1;
            throw new Error("connect ECONNREFUSED");
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const run = await runReplayJob({ catalog, store: away, queue: bed.queue }, jobId, {
      returnWhenSent: true,
    });
    expect(run).toBe("stopped");
    expect(puts).toBe(5);
    expect((await catalog.getReplayJob(jobId))?.status).toBe("running");
    expect(await runToEnd(jobId)).toBe("succeeded");
    expectOnceEach(await curated(src), ["s1"]);
  });

  it("survives a worker that dies during a replay batch's commit, and one whose commit outlived its message", async () => {
    const src = await createTestSource(bed.t.db);
    await send(src, [order("e1", { amount: "bad" }), order("e2", { amount: "bad" })]);
    const letters = await openLetters(src);
    for (const l of letters) await fix(l.id, order(l.eventId ?? undefined, { amount: 9 }));
    const jobId = await createJob({ letterIds: letters.map((l) => l.id) });
    expect(
      await runReplayJob({ catalog, store: bed.store, queue: bed.queue }, jobId, { returnWhenSent: true }),
    ).toBe("waiting");

    // The worker writes the rows, claims the ids and records the outcomes, then dies before COMMIT.
    const dying = new Proxy(catalog, {
      get(target, prop) {
        if (prop === "transaction") {
          return (fn: (tx: CatalogTransaction) => Promise<unknown>) =>
            target.transaction(async (tx) => {
              await fn(tx);
              throw new Error("worker killed before commit");
            });
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const got = await bed.queue.receive(BATCHES_QUEUE, { max: 10, visibilityTimeoutMs: 60_000 });
    expect(got).toHaveLength(1);
    const crashed = await processBatches({ ...deps, catalog: dying }, got);
    expect(crashed).toMatchObject({ committed: 0, retried: 1 });
    expect((await curated(src)).rows).toEqual([]);
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({ sent: 2, landed: 0 });
    expect(await openLetters(src)).toHaveLength(2);
    // Sent and waiting: the letter's history names its replay batch (kept in the batch's own row).
    const [waiting] = await catalog.outstandingReplayBatches(jobId);
    expect(waiting).toMatchObject({ items: 2, status: "received" });
    const sentHistory = await catalog.deadLetterHistory(letters[0]!.id);
    expect(sentHistory?.map((e) => e.kind).slice(-2)).toEqual(["replay_queued", "replay_sent"]);
    expect(sentHistory?.at(-1)).toMatchObject({ kind: "replay_sent", jobId, batchId: waiting!.batchId });

    // Recovery: the message comes back and another worker commits it, once.
    await processAll();
    expect(await runToEnd(jobId)).toBe("succeeded");
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({ landed: 2 });
    // The letter's history names the batch from the item's own outcome now.
    expect((await catalog.deadLetterHistory(letters[0]!.id))?.map((e) => e.kind).slice(-3)).toEqual([
      "replay_queued",
      "replay_sent",
      "landed",
    ]);
    expect((await catalog.deadLetterHistory(letters[0]!.id))?.at(-1)).toMatchObject({
      kind: "landed",
      batchId: waiting!.batchId,
    });
    expectOnceEach(await curated(src), ["e1", "e2"]);

    // A redelivery after the commit (its ack was lost) finds the batch committed and changes nothing.
    const [batch] = await catalog.outstandingReplayBatches(jobId);
    expect(batch).toBeUndefined();
    const replayBatch = replayBatchId(jobId, 1);
    await bed.queue.send(BATCHES_QUEUE, { batchId: replayBatch });
    await processAll();
    expectOnceEach(await curated(src), ["e1", "e2"]);
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({ landed: 2, duplicates: 0 });
  });

  it("an event that landed another way first (the producer sent it again, fixed) is skipped as a duplicate", async () => {
    const src = await createTestSource(bed.t.db);
    await send(src, [order("f1", { amount: "bad" }), order("f2", { amount: "bad" })]);
    const letters = await openLetters(src);
    for (const l of letters) await fix(l.id, order(l.eventId ?? undefined, { amount: 1 }));
    // The producer fixed f1 and sent it again through ingest before anyone replayed its letter.
    await send(src, [order("f1", { amount: 100 })]);

    const dry = await dryRunReplay({ catalog }, { filter: { sourceId: src.id } });
    expect(dry).toMatchObject({ letters: 2, replayable: 2, wouldPass: 1, alreadyLanded: 1, wouldFail: 0 });

    const jobId = await createJob({ filter: { sourceId: src.id } });
    expect(await runToEnd(jobId)).toBe("succeeded");
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({ landed: 1, duplicates: 1 });
    const c = await curated(src);
    expectOnceEach(c, ["f1", "f2"]);
    // The row in curated is the one ingest landed, not the replay's.
    expect(c.rows.find((r) => r._event_id === "f1")?.amount).toBe(100);
    const f1 = letters.find((l) => l.eventId === "f1");
    expect((await catalog.deadLetterHistory(f1!.id))?.at(-1)).toMatchObject({ kind: "duplicate", events: 1 });
    expect(await openLetters(src)).toEqual([]);

    // And the other way round: the producer's copy after the replay is a duplicate at ingest.
    await send(src, [order("f2", { amount: 55 })]);
    expectOnceEach(await curated(src), ["f1", "f2"]);
  });

  it("keeps original event ids: an id assigned at ingest, a landing file's, and a CloudEvent's", async () => {
    // Events without ids are accepted (ids assigned from their batch).
    const src = await createTestSource(bed.t.db, {
      schema: { ...TEST_ORDER_SCHEMA, required: ["amount", "created_at"] },
    });
    const sent = await send(src, [order(undefined), order(undefined, { amount: "bad" })]);
    // A landing file's chunk: a deterministic batch id, ids assigned from it.
    const fileBatch = "0b3c9a4e-1f2d-8a6b-9c7d-5e4f3a2b1c0d";
    await acceptBatch(
      { catalog, store: bed.store, queue: bed.queue },
      {
        source: src,
        body: Buffer.from(`${order(undefined, { amount: "bad" })}\n${order("g9")}\n`),
        format: "ndjson",
        eventCount: 2,
        receivedAt: new Date(),
        origin: "file:landing/orders/day.csv",
        batchId: fileBatch,
      },
    );
    await processAll();
    const letters = await openLetters(src);
    expect(letters.map((l) => l.eventId).sort()).toEqual([`${fileBatch}:0`, `${sent.batchId}:1`].sort());
    for (const l of letters) await fix(l.id, order(undefined, { amount: 4 }));
    const jobId = await createJob({ letterIds: letters.map((l) => l.id) });
    expect(await runToEnd(jobId)).toBe("succeeded");
    expectOnceEach(await curated(src), [`${sent.batchId}:0`, `${sent.batchId}:1`, `${fileBatch}:0`, "g9"]);

    // A CloudEvent keeps its id and source (what it is deduplicated by).
    const ce = await createTestSource(bed.t.db);
    const event = (data: Record<string, unknown>) =>
      JSON.stringify({ specversion: "1.0", id: "ce-1", source: "/shop", type: "order", data });
    await enqueueRawBatch(
      { catalog, store: bed.store, queue: bed.queue },
      ce,
      [`[${event({ id: "x", amount: "bad", created_at: "2024-05-01T10:00:00Z" })}]`],
      {
        rawKey: "x.json",
      },
    );
    await processAll();
    const [letter] = await openLetters(ce);
    expect(letter?.eventId).toBe("ce-1");
    await fix(letter!.id, event({ id: "x", amount: 3, created_at: "2024-05-01T10:00:00Z" }));
    expect(await runToEnd(await createJob({ letterIds: [letter!.id] }))).toBe("succeeded");
    expectOnceEach(await curated(ce), ["ce-1"]);
    // The producer's own retry of the same CloudEvent is a duplicate.
    await enqueueRawBatch(
      { catalog, store: bed.store, queue: bed.queue },
      ce,
      [`[${event({ id: "x", amount: 8, created_at: "2024-05-01T10:00:00Z" })}]`],
      {
        rawKey: "x.json",
      },
    );
    await processAll();
    expectOnceEach(await curated(ce), ["ce-1"]);
  });

  it("a letter refused again stays open with the new reason and one more attempt; its first reason stays in its history", async () => {
    const src = await createTestSource(bed.t.db);
    await send(src, [order("h1", { amount: "bad" })]);
    const [letter] = await openLetters(src);
    // The fix is wrong: qty must be an integer.
    await fix(letter!.id, order("h1", { amount: 1, qty: 1.5 }));
    const jobId = await createJob({ letterIds: [letter!.id] });
    expect(await runToEnd(jobId)).toBe("succeeded");
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({ stillFailing: 1, landed: 0 });
    const after = await catalog.getDeadLetter(letter!.id);
    expect(after).toMatchObject({
      status: "open",
      attempts: 2,
      reasonCode: "SCHEMA_VIOLATION",
      path: "/qty",
    });
    // No second letter for the same event.
    expect(await openLetters(src)).toHaveLength(1);
    const history = await catalog.deadLetterHistory(letter!.id);
    expect(history?.[0]).toMatchObject({ kind: "received", reason: expect.stringContaining("/amount") });
    expect(history?.at(-1)).toMatchObject({ kind: "failed_again", jobId, path: "/qty" });

    // It now stands for the replay's cause: a copy the producer sends again as first received opens
    // a letter of its own rather than counting on one whose cause changed.
    await send(src, [order("h1", { amount: "bad" })]);
    const open = await openLetters(src);
    expect(open.map((l) => [l.path, l.copies]).sort()).toEqual([
      ["/amount", 1],
      ["/qty", 1],
    ]);
    await catalog.transaction((tx) =>
      tx.discardDeadLetters(
        open.filter((l) => l.id !== letter!.id).map((l) => l.id),
        "a copy",
        { id: undefined, email: "oncall@inlet.local" },
      ),
    );

    // Fixed properly, it lands on the next replay.
    await fix(letter!.id, order("h1", { amount: 1, qty: 1 }));
    expect(await runToEnd(await createJob({ letterIds: [letter!.id] }))).toBe("succeeded");
    expectOnceEach(await curated(src), ["h1"]);
  });
});

describe("replay jobs' controls", () => {
  it("sends at its rate, in chunks of a second's events", async () => {
    const src = await createTestSource(bed.t.db);
    await send(
      src,
      Array.from({ length: 12 }, (_, i) => order(`r${i}`, { amount: "bad" })),
    );
    const letters = await openLetters(src);
    for (const l of letters) await fix(l.id, order(l.eventId ?? undefined, { amount: 2 }));
    const jobId = await createJob({ letterIds: letters.map((l) => l.id) }, 5);
    const started = Date.now();
    expect(
      await runReplayJob({ catalog, store: bed.store, queue: bed.queue }, jobId, { returnWhenSent: true }),
    ).toBe("waiting");
    // 12 events at 5/s in chunks of 5: the last chunk (2) waits for the first ten's 2 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1990);
    expect(await catalog.outstandingReplayBatches(jobId)).toHaveLength(3);
    await processAll();
    expect(await runToEnd(jobId)).toBe("succeeded");
  });

  it("pauses, resumes and cancels; a paused source pauses the job, a deleted one's letters are refused", async () => {
    const src = await createTestSource(bed.t.db);
    await send(
      src,
      Array.from({ length: 6 }, (_, i) => order(`p${i}`, { amount: "bad" })),
    );
    const letters = await openLetters(src);
    for (const l of letters) await fix(l.id, order(l.eventId ?? undefined, { amount: 2 }));
    // One event per chunk (a second's worth at 1/s).
    const jobId = await createJob({ letterIds: letters.map((l) => l.id) }, 1);

    // Paused after its first chunk: the run stops before the next.
    const run = runReplayJob({ catalog, store: bed.store, queue: bed.queue }, jobId, {
      returnWhenSent: true,
      beforeAccept: async () => {
        await catalog.transaction((tx) => tx.setReplayJobStatus(jobId, "paused", ["queued", "running"]));
      },
    });
    expect(await run).toBe("paused");
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({ sent: 1, queued: 5 });

    // The source is paused meanwhile: resumed, the job pauses itself and says why.
    await catalog.transaction((tx) => tx.setSourceStatus(src.id, "paused"));
    await catalog.transaction((tx) => tx.setReplayJobStatus(jobId, "queued", ["paused"]));
    expect(await runReplayJob({ catalog, store: bed.store, queue: bed.queue }, jobId)).toBe("paused");
    expect((await catalog.getReplayJob(jobId))?.error).toMatch(/source '.*' was paused/);

    // Cancelled: what was not sent is skipped, the letters are free again (open, editable).
    await catalog.transaction((tx) => tx.setSourceStatus(src.id, "active"));
    const cancelled = await catalog.transaction((tx) =>
      tx.setReplayJobStatus(jobId, "cancelled", ["queued", "running", "paused"]),
    );
    expect(cancelled?.after.progress).toMatchObject({ skipped: 5, sent: 1 });
    await processAll();
    expect(await runReplayJob({ catalog, store: bed.store, queue: bed.queue }, jobId)).toBe("cancelled");
    expect((await catalog.getReplayJob(jobId))?.progress).toMatchObject({ landed: 1, skipped: 5 });
    expect(await openLetters(src)).toHaveLength(5);
    await catalog.transaction((tx) => tx.setSourceStatus(src.id, "paused"));
    const paused = await createJob({ filter: { sourceId: src.id } }).catch((e: unknown) => e);
    expect((paused as InletError).message).toMatch(/is paused and stores nothing/);
    await catalog.transaction((tx) => tx.setSourceStatus(src.id, "active"));

    // Discarded letters leave the open set, with who and why in their history.
    const rest = await openLetters(src);
    await catalog.transaction((tx) =>
      tx.discardDeadLetters([rest[0]!.id], "test data", { id: undefined, email: "oncall@inlet.local" }),
    );
    expect((await catalog.deadLetterHistory(rest[0]!.id))?.at(-1)).toMatchObject({
      kind: "discarded",
      by: "oncall@inlet.local",
      reason: "test data",
    });
    // A deleted source's letters have nowhere to go.
    await catalog.transaction((tx) => tx.deleteSource(src.id, "keep"));
    const orphan = await createJob({ letterIds: [rest[1]!.id] }).catch((e: unknown) => e);
    expect((orphan as InletError).message).toMatch(/deleted source/);
  });
});
