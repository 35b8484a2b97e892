import type { PgCatalog } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendEvents } from "../testing/lake-fixtures";
import { callersAs, ok, type ServerWithWorker, startServerWithWorker } from "../testing/server-with-worker";
import type { TestServer } from "../testing/test-server";
import { untilTrue } from "../testing/trpc-client";

let running: ServerWithWorker;
let s: TestServer;
let catalog: PgCatalog;

beforeAll(async () => {
  running = await startServerWithWorker("replays");
  s = running.server;
  catalog = running.catalog;
});
afterAll(async () => {
  await running?.close();
});

const { query, mutate } = callersAs(() => s, "oncall");

const schema = {
  type: "object",
  properties: {
    id: { type: "string" },
    amount: { type: "number" },
    email: { type: "string" },
    at: { type: "string", format: "date-time" },
  },
  required: ["id", "amount"],
};

/** A source registered through the API, with its key. */
async function newSource(slug: string): Promise<{ id: string; key: string }> {
  const created = ok(
    await mutate(
      "sources.create",
      { name: slug, slug, schema, idField: "id", timeField: "at", retentionDays: 30 },
      "engineer",
    ),
  );
  const source = await catalog.findSourceBySlug(slug);
  if (!source) throw new Error(`source ${slug} was not created`);
  return { id: source.id, key: created.apiKey.key };
}

const event = (id: string, amount: unknown, extra: Record<string, unknown> = {}) => ({
  id,
  amount,
  at: "2026-01-02T03:04:05Z",
  ...extra,
});

/** Sends the events and waits until the worker has committed their batch. */
async function sendAndWait(slug: string, key: string, events: unknown[]) {
  const batchId = await sendEvents(s, slug, key, events);
  await untilTrue(
    "batch committed",
    async () => (await catalog.batchStates([batchId])).get(batchId)?.status === "committed",
  );
  return batchId;
}

async function openLetters(slug: string) {
  return ok(await query("deadLetters.list", { source: slug, status: "open", limit: 100 })).items as {
    id: string;
    eventId: string;
  }[];
}

/** Curated rows per event id, counted through the catalog's committed files. */
async function curatedIds(slug: string): Promise<Map<string, number>> {
  const view = await catalog.tableSnapshot(`curated.${slug}`);
  const ids = new Map<string, number>();
  if (!view) return ids;
  const rows = ok(await query("tables.preview", { table: `curated.${slug}` }, "engineer"));
  for (const r of rows.rows as Record<string, unknown>[])
    ids.set(String(r._event_id), (ids.get(String(r._event_id)) ?? 0) + 1);
  expect(view.files.reduce((n, f) => n + f.rowCount, 0)).toBe(rows.rows.length);
  return ids;
}

async function jobEnded(id: string) {
  // biome-ignore lint/suspicious/noExplicitAny: read as JSON
  let job: any;
  await untilTrue("replay job ended", async () => {
    job = ok(await query("replays.get", { id }));
    return ["succeeded", "failed", "cancelled"].includes(job.status);
  });
  return job;
}

async function auditActions(action: string) {
  return s.database.db.prisma.auditLog.findMany({ where: { action }, orderBy: { id: "asc" } });
}

describe("replays router", () => {
  it("lets engineers read and dry-run but only on-call (and admins) change anything; analysts see nothing", async () => {
    const src = await newSource("rproles");
    await sendAndWait("rproles", src.key, [event("r1", "x")]);
    const [letter] = await openLetters("rproles");
    expect(ok(await query("replays.list", {}, "engineer")).items).toBeInstanceOf(Array);
    expect(
      ok(await query("replays.dryRun", { selection: { letterIds: [letter!.id] } }, "engineer")).letters,
    ).toBe(1);
    expect(ok(await query("replays.history", { id: letter!.id }, "engineer"))[0].kind).toBe("received");

    const refused = await mutate("replays.create", { selection: { letterIds: [letter!.id] } }, "engineer");
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/needs the role oncall/);
    expect((await mutate("replays.discard", { ids: [letter!.id], reason: "nope" }, "engineer")).status).toBe(
      403,
    );
    expect((await mutate("replays.saveEdit", { id: letter!.id, payload: "{}" }, "analyst")).status).toBe(403);
    expect((await query("replays.list", {}, "analyst")).status).toBe(403);
    expect((await query("replays.checkEdit", { id: letter!.id, payload: "{}" }, "governance")).status).toBe(
      403,
    );
    const denied = await auditActions("access.denied");
    expect(denied.some((e) => e.targetId === "replays.create")).toBe(true);
    // An admin may do what on-call does.
    expect(
      ok(await mutate("replays.discard", { ids: [letter!.id], reason: "admin cleanup" }, "admin")).discarded,
    ).toBe(1);
  });

  it("checks an edit as it is typed: where the JSON breaks, each schema problem at its pointer, and a changed id", async () => {
    const src = await newSource("rpedit");
    await sendAndWait("rpedit", src.key, [event("e1", "12")]);
    const [letter] = await openLetters("rpedit");

    const broken = ok(
      await query("replays.checkEdit", { id: letter!.id, payload: '{\n  "id": "e1",\n  "amount": 12,,\n}' }),
    );
    expect(broken.ok).toBe(false);
    expect(broken.parseError).toMatchObject({ line: 3, column: 16, position: 31 });

    const wrong = ok(
      await query("replays.checkEdit", {
        id: letter!.id,
        payload: JSON.stringify(event("e1", "12", { email: 5 })),
      }),
    );
    expect(wrong.ok).toBe(false);
    expect(wrong.problems.map((p: { path: string }) => p.path).sort()).toEqual(["/amount", "/email"]);
    expect(wrong.schemaVersion).toBe(1);

    const renamed = ok(
      await query("replays.checkEdit", { id: letter!.id, payload: JSON.stringify(event("e2", 12)) }),
    );
    expect(renamed.problems).toEqual([expect.objectContaining({ code: "EVENT_ID_CHANGED", path: "/id" })]);

    const fixed = ok(
      await query("replays.checkEdit", { id: letter!.id, payload: JSON.stringify(event("e1", 12), null, 2) }),
    );
    expect(fixed).toMatchObject({ ok: true, problems: [], events: 1 });
    // Stored as one NDJSON line, the number as typed.
    expect(fixed.payload).toBe('{"id":"e1","amount":12,"at":"2026-01-02T03:04:05Z"}');

    // Saving refuses what is not JSON, with where (the console puts it at the field).
    const refused = await mutate("replays.saveEdit", { id: letter!.id, payload: '{"id": "e1", "amount": }' });
    expect(refused.status).toBe(400);
    expect(refused.issues).toEqual([
      expect.objectContaining({
        path: "payload",
        line: 1,
        column: 24,
        message: expect.stringMatching(/line 1, column 24/),
      }),
    ]);
    expect(
      (await mutate("replays.saveEdit", { id: letter!.id, payload: JSON.stringify(event("zz", 1)) })).message,
    ).toMatch(/\/id: must stay "e1"/);
    const saved = ok(
      await mutate("replays.saveEdit", { id: letter!.id, payload: JSON.stringify(event("e1", 12)) }),
    );
    expect(saved).toMatchObject({ passesSchema: true, problems: [] });
    const view = ok(await query("replays.letter", { id: letter!.id }));
    expect(view.edited.payload).toBe('{"id":"e1","amount":12,"at":"2026-01-02T03:04:05Z"}');
    expect(view.history.map((h: { kind: string }) => h.kind)).toEqual(["received", "edited"]);
    expect(view.history[1].by).toBe("oncall@inlet.local");
    const [audited] = await auditActions("deadLetters.edit");
    expect(audited).toMatchObject({ actorEmail: "oncall@inlet.local", targetId: letter!.id });
    expect(JSON.stringify(audited?.details)).not.toContain("2026-01-02");
  });

  it("takes an edit of an event up to the ingest limit, and says why a larger one cannot be sent", async () => {
    const src = await newSource("rpbig");
    await sendAndWait("rpbig", src.key, [event("g1", "x")]);
    const [letter] = await openLetters("rpbig");
    // Over 1 MiB of text, within the request limit for edits: checked, and refused as an event.
    const big = JSON.stringify(event("g1", 1, { email: "a".repeat(1_100_000) }));
    const check = ok(await query("replays.checkEdit", { id: letter!.id, payload: big }));
    expect(check.ok).toBe(false);
    expect(check.problems[0].message).toMatch(/the event is 1,100,\d{3} bytes; the limit is 1,048,576/);
    // Beyond it the request itself is refused, naming the field.
    const huge = await mutate("replays.saveEdit", { id: letter!.id, payload: "a".repeat(3_300_000) });
    expect(huge.status).toBe(413);
    expect(huge.message).toMatch(/^payload is over the limit/);
  });

  it("refuses a rate of 0 or above the ingest limit, naming the field, and a letter of a paused source", async () => {
    const src = await newSource("rprate");
    await sendAndWait("rprate", src.key, [event("q1", "x")]);
    const [letter] = await openLetters("rprate");
    const zero = await mutate("replays.create", { selection: { letterIds: [letter!.id] }, ratePerSecond: 0 });
    expect(zero.status).toBe(400);
    expect(zero.issues.map((i: { path: string }) => i.path)).toEqual(["ratePerSecond"]);
    const high = await mutate("replays.create", {
      selection: { letterIds: [letter!.id] },
      ratePerSecond: 20_001,
    });
    expect(high.status).toBe(400);
    expect(high.issues).toEqual([expect.objectContaining({ path: "ratePerSecond" })]);
    expect(high.message).toMatch(/above the ingest limit of 20,000 events\/s/);

    ok(await mutate("sources.setStatus", { slug: "rprate", status: "paused" }, "engineer"));
    const paused = await mutate("replays.create", { selection: { filter: { source: "rprate" } } });
    expect(paused.status).toBe(400);
    expect(paused.message).toMatch(/Source 'rprate' is paused/);
    ok(await mutate("sources.setStatus", { slug: "rprate", status: "active" }, "engineer"));
  });

  it("dry-runs, replays one edited letter and the rest by filter at a rate, each once in curated, audited", async () => {
    const src = await newSource("rpflow");
    await sendAndWait("rpflow", src.key, [
      event("f1", 1),
      event("f2", "2"),
      event("f3", "3"),
      event("f4", "4"),
      event("f5", 5, { email: 7 }),
    ]);
    const letters = await openLetters("rpflow");
    expect(letters).toHaveLength(4);

    // Before any fix: all four would fail, grouped by where.
    const before = ok(await query("replays.dryRun", { selection: { filter: { source: "rpflow" } } }));
    expect(before).toMatchObject({ letters: 4, replayable: 4, wouldPass: 0, wouldFail: 4 });
    expect(before.failures.map((f: { path: string; letters: number }) => [f.path, f.letters]).sort()).toEqual(
      [
        ["/amount", 3],
        ["/email", 1],
      ],
    );

    // One letter fixed and replayed on its own.
    const f2 = letters.find((l) => l.eventId === "f2")!;
    const one = ok(
      await mutate("replays.replayLetter", { id: f2.id, payload: JSON.stringify(event("f2", 2)) }),
    );
    expect(one.passesSchema).toBe(true);
    const done = await jobEnded(one.job.id);
    expect(done).toMatchObject({ status: "succeeded", progress: { total: 1, landed: 1 } });
    const history = ok(await query("replays.history", { id: f2.id }));
    expect(history.map((h: { kind: string }) => h.kind)).toEqual([
      "received",
      "edited",
      "replay_queued",
      "replay_sent",
      "landed",
    ]);
    expect(history.at(-1)).toMatchObject({ jobId: one.job.id, table: "curated.rpflow" });

    // The others fixed by edits; the dry run previews them and says they would pass.
    for (const l of letters.filter((x) => x.eventId !== "f2")) {
      const n = Number(l.eventId.slice(1));
      ok(await mutate("replays.saveEdit", { id: l.id, payload: JSON.stringify(event(l.eventId, n)) }));
    }
    const dry = ok(await query("replays.dryRun", { selection: { filter: { source: "rpflow" } } }));
    expect(dry).toMatchObject({ letters: 3, wouldPass: 3, wouldFail: 0, alreadyLanded: 0 });
    expect(dry.previews).toHaveLength(3);
    expect(dry.previews[0]).toMatchObject({ edited: true, wouldPass: true });

    const job = ok(
      await mutate("replays.create", { selection: { filter: { source: "rpflow" } }, ratePerSecond: 10 }),
    );
    expect(job.job).toMatchObject({ status: "queued", ratePerSecond: 10, progress: { total: 3 } });
    // Its letters are held: another job over them is refused, naming this one.
    const f3 = letters.find((l) => l.eventId === "f3")!;
    const conflict = await mutate("replays.create", { selection: { letterIds: [f3.id] } });
    expect(conflict.status).toBe(409);
    expect(conflict.message).toContain(job.job.id);
    const finished = await jobEnded(job.job.id);
    expect(finished.progress).toMatchObject({ landed: 3, stillFailing: 0, duplicates: 0, replayed: 3 });

    const ids = await curatedIds("rpflow");
    expect([...ids.entries()].sort()).toEqual([
      ["f1", 1],
      ["f2", 1],
      ["f3", 1],
      ["f4", 1],
      ["f5", 1],
    ]);
    expect(await openLetters("rpflow")).toEqual([]);
    // The existing list shows them as replayed.
    expect(ok(await query("deadLetters.list", { source: "rpflow", status: "replayed" })).items).toHaveLength(
      4,
    );
    const replays = await auditActions("deadLetters.replay");
    expect(replays.find((e) => e.targetId === job.job.id)?.details).toMatchObject({
      total: 3,
      ratePerSecond: 10,
      filter: { source: "rpflow" },
    });
  });

  it("pauses, resumes and cancels a job, audited, and discards a letter with a reason", async () => {
    const src = await newSource("rpctl");
    await sendAndWait(
      "rpctl",
      src.key,
      Array.from({ length: 6 }, (_, i) => event(`c${i}`, "bad")),
    );
    const letters = await openLetters("rpctl");
    // A slow job over letters that will fail again (nothing fixed): 1 event/s.
    const job = ok(
      await mutate("replays.create", { selection: { filter: { source: "rpctl" } }, ratePerSecond: 1 }),
    );
    const paused = ok(await mutate("replays.pause", { id: job.job.id }));
    expect(paused.status).toBe("paused");
    const again = await mutate("replays.pause", { id: job.job.id });
    expect(again.status).toBe(409);
    expect(again.message).toMatch(/is paused: it cannot be paused now/);
    expect(ok(await mutate("replays.resume", { id: job.job.id })).status).toBe("queued");
    await untilTrue(
      "some letter replayed",
      async () => ok(await query("replays.get", { id: job.job.id })).progress.replayed > 0,
    );
    const cancelled = ok(await mutate("replays.cancel", { id: job.job.id }));
    expect(cancelled.status).toBe("cancelled");
    const ended = await jobEnded(job.job.id);
    expect(ended.progress.skipped).toBeGreaterThan(0);
    expect(ended.progress.landed).toBe(0);
    expect((await auditActions("deadLetters.replay.pause")).at(-1)?.details).toMatchObject({
      before: expect.stringMatching(/^(queued|running)$/),
      after: "paused",
    });
    expect(await auditActions("deadLetters.replay.cancel")).toHaveLength(1);
    // The letters refused again stay open, with one more attempt; none was lost.
    await untilTrue(
      "outcomes recorded",
      async () => ok(await query("replays.get", { id: job.job.id })).progress.sent === 0,
    );
    expect(await openLetters("rpctl")).toHaveLength(6);

    const discard = ok(await mutate("replays.discard", { ids: [letters[0]!.id], reason: "test traffic" }));
    expect(discard.discarded).toBe(1);
    expect(ok(await query("replays.history", { id: letters[0]!.id })).at(-1)).toMatchObject({
      kind: "discarded",
      by: "oncall@inlet.local",
      reason: "test traffic",
    });
    expect((await auditActions("deadLetters.discard")).at(-1)?.details).toMatchObject({
      reason: "test traffic",
    });
    expect((await mutate("replays.discard", { ids: [letters[0]!.id], reason: "twice" })).status).toBe(400);
  });

  it("keeps a field masked for on-call as it was: an edit cannot overwrite what its editor cannot read", async () => {
    const src = await newSource("rpmask");
    await sendAndWait("rpmask", src.key, [event("m1", "bad", { email: "ana@example.com" })]);
    const table = await catalog.describeTable("curated.rpmask");
    await s.database.db.prisma.columnPolicy.create({
      data: { tableId: table!.id, role: "oncall", column: "email", action: "mask", maskStyle: "full" },
    });
    const [letter] = await openLetters("rpmask");
    const shown = ok(await query("deadLetters.get", { id: letter!.id }));
    expect(shown.payload).toContain("****");
    // On-call fixes the amount in what they see; the masked email goes back as they saw it.
    const typed = JSON.stringify(event("m1", 3, { email: "****" }));
    const check = ok(await query("replays.checkEdit", { id: letter!.id, payload: typed }));
    expect(check).toMatchObject({ ok: true, restoredHiddenFields: true });
    expect(check.payload).not.toContain("ana@example.com");
    const one = ok(await mutate("replays.replayLetter", { id: letter!.id, payload: typed }));
    expect((await jobEnded(one.job.id)).progress.landed).toBe(1);
    const rows = ok(await query("tables.preview", { table: "curated.rpmask" }, "engineer")).rows;
    expect(rows).toEqual([expect.objectContaining({ _event_id: "m1", amount: 3, email: "ana@example.com" })]);
  });
});
