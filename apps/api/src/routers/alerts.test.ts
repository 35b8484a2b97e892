// alerts.*: rules with defaults and overrides (set by on-call and admins, audited), episodes fired and
// resolved by the evaluator on the database (one open episode per kind and subject), the banner's
// active list, history with filters and pages, and acknowledging once.
import type { MinuteActivity, QueueStats, SourceRecord } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateAlertRound, evaluateAlerts, startAlertEvaluator } from "../services/alert-evaluator";
import { startTestServer, type TestServer } from "../testing/test-server";
import { call } from "../testing/trpc-client";

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ INLET_ALERT_INTERVAL_MS: "0" });
});
afterAll(async () => {
  await s?.close();
});

/** A data plane whose figures the test sets. */
function fakePlane() {
  const state = {
    deadLetters: 0,
    oldestAgeMs: 0,
    sources: [{ id: "src-orders", slug: "orders", status: "active" }] as Pick<
      SourceRecord,
      "id" | "slug" | "status"
    >[],
  };
  let now = new Date("2026-12-05T12:00:30Z");
  const catalog = {
    listSources: async () => state.sources as SourceRecord[],
    sourceActivityByMinute: async (): Promise<MinuteActivity[]> => [
      {
        minute: new Date(Math.floor(now.getTime() / 60_000) * 60_000),
        accepted: 5,
        deadLettered: state.deadLetters,
      },
    ],
    commitLatency: async () => ({ batches: 1, p50Ms: 100, p99Ms: 200 }),
    tryLease: async () => ({ release: async () => {} }),
  };
  const queue = {
    stats: async (name: string): Promise<QueueStats> => ({
      depth: 0,
      inFlight: 0,
      dead: 0,
      oldestAgeMs: name === "batches" ? state.oldestAgeMs : 0,
    }),
  };
  const round = () =>
    evaluateAlerts({
      db: s.database.db,
      catalog,
      queue,
      now: () => {
        now = new Date(now.getTime() + 30_000);
        return now;
      },
    });
  return { state, round };
}

describe("alerts", () => {
  it("lists every kind's defaults and each queue's rules; analysts and governance may not read them", async () => {
    const rules = await call(s, "query", "alerts.rules", undefined, "oncall");
    expect(rules.status).toBe(200);
    const all = rules.data.find(
      (r: { kind: string; subject: string }) => r.kind === "dead_letter_inflow" && r.subject === "*",
    );
    expect(all).toMatchObject({
      threshold: 10,
      windowMinutes: 5,
      origin: "default",
      subjectName: "All sources",
    });
    expect(rules.data.some((r: { subject: string }) => r.subject === "batches")).toBe(true);
    expect((await call(s, "query", "alerts.rules", undefined, "analyst")).status).toBe(403);
    expect((await call(s, "query", "alerts.active", undefined, "governance")).status).toBe(403);
    expect((await call(s, "query", "alerts.active", undefined, "engineer")).status).toBe(200);
  });

  it("sets an override (on-call), refuses engineers and bad input, audits, and clears it", async () => {
    const set = await call(
      s,
      "mutation",
      "alerts.setRule",
      { kind: "oldest_message_age", subject: "batches", threshold: 120, windowMinutes: 1, enabled: true },
      "oncall",
    );
    expect(set.status).toBe(200);
    expect(set.data).toMatchObject({
      threshold: 120,
      origin: "subject",
      updatedByEmail: "oncall@inlet.local",
    });
    const refused = await call(
      s,
      "mutation",
      "alerts.setRule",
      { kind: "oldest_message_age", subject: "batches", threshold: 1, windowMinutes: 1, enabled: true },
      "engineer",
    );
    expect(refused.status).toBe(403);
    const negative = await call(
      s,
      "mutation",
      "alerts.setRule",
      { kind: "oldest_message_age", subject: "batches", threshold: -1, windowMinutes: 1, enabled: true },
      "admin",
    );
    expect(negative.status).toBe(400);
    const noQueue = await call(
      s,
      "mutation",
      "alerts.setRule",
      { kind: "oldest_message_age", subject: "nope", threshold: 1, windowMinutes: 1, enabled: true },
      "admin",
    );
    expect(noQueue.status).toBe(404);
    expect(noQueue.message).toContain("No queue named 'nope'");
    const audit = await s.database.db.prisma.auditLog.findMany({ where: { action: "alert_rule.set" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorEmail: "oncall@inlet.local",
      targetId: "oldest_message_age:batches",
    });

    const cleared = await call(
      s,
      "mutation",
      "alerts.clearRule",
      { kind: "oldest_message_age", subject: "batches" },
      "admin",
    );
    expect(cleared.status).toBe(200);
    const rules = await call(s, "query", "alerts.rules", undefined, "oncall");
    expect(
      rules.data.find(
        (r: { kind: string; subject: string }) => r.kind === "oldest_message_age" && r.subject === "batches",
      ),
    ).toMatchObject({ threshold: 300, origin: "default" });
  });

  it("fires once per episode, shows it active, acknowledges it once, resolves it, and keeps the history", async () => {
    const plane = fakePlane();
    expect(await plane.round()).toEqual([]);

    plane.state.deadLetters = 25;
    plane.state.oldestAgeMs = 600_000;
    const fired = await plane.round();
    expect(fired.map((t) => t.transition)).toEqual(["fired", "fired"]);
    // Still over: the open episodes are not fired again.
    expect(await plane.round()).toEqual([]);
    expect(await s.database.db.prisma.alertEvent.count()).toBe(2);

    const active = await call(s, "query", "alerts.active", undefined, "oncall");
    expect(active.data).toHaveLength(2);
    const dl = active.data.find((a: { kind: string }) => a.kind === "dead_letter_inflow");
    expect(dl).toMatchObject({ subjectName: "orders", value: 25, threshold: 10, acknowledgedAt: null });
    expect(dl.message).toContain("Dead-letter inflow for source orders: 25 letters");

    const ack = await call(s, "mutation", "alerts.acknowledge", { id: dl.id }, "oncall");
    expect(ack.status).toBe(200);
    expect(ack.data.acknowledgedByEmail).toBe("oncall@inlet.local");
    const again = await call(s, "mutation", "alerts.acknowledge", { id: dl.id }, "admin");
    expect(again.status).toBe(409);
    expect(again.message).toContain("already acknowledged by oncall@inlet.local");
    expect((await call(s, "mutation", "alerts.acknowledge", { id: dl.id }, "analyst")).status).toBe(403);
    expect(await s.database.db.prisma.auditLog.count({ where: { action: "alert.acknowledge" } })).toBe(1);

    // Inside the hysteresis band (threshold 10, resolves at 9 or less): still open.
    plane.state.deadLetters = 10;
    expect(await plane.round()).toEqual([]);
    plane.state.deadLetters = 2;
    const resolved = await plane.round();
    expect(resolved).toEqual([{ transition: "resolved", eventId: dl.id }]);

    const stillActive = await call(s, "query", "alerts.active", undefined, "oncall");
    expect(stillActive.data.map((a: { kind: string }) => a.kind)).toEqual(["oldest_message_age"]);

    // A new breach is a new episode.
    plane.state.deadLetters = 30;
    expect((await plane.round()).map((t) => t.transition)).toEqual(["fired"]);

    const page1 = await call(
      s,
      "query",
      "alerts.history",
      { kind: "dead_letter_inflow", limit: 1 },
      "engineer",
    );
    expect(page1.data.items).toHaveLength(1);
    expect(page1.data.items[0].resolvedAt).toBeNull();
    const page2 = await call(
      s,
      "query",
      "alerts.history",
      { kind: "dead_letter_inflow", limit: 1, cursor: page1.data.nextCursor },
      "engineer",
    );
    expect(page2.data.items[0]).toMatchObject({
      id: dl.id,
      acknowledgedByEmail: "oncall@inlet.local",
      resolvedValue: 2,
    });
    expect(page2.data.nextCursor).toBeNull();
    const byQueue = await call(s, "query", "alerts.history", { subject: "batches", state: "open" }, "oncall");
    expect(byQueue.data.items.map((a: { kind: string }) => a.kind)).toEqual(["oldest_message_age"]);

    // Two rounds at once (two API processes without the lease) still open one episode.
    await s.database.db.prisma.alertEvent.deleteMany({ where: { kind: "dead_letter_inflow" } });
    const [a, b] = await Promise.all([plane.round(), plane.round()]);
    expect([...a, ...b].filter((t) => t.transition === "fired")).toHaveLength(1);
    expect(
      await s.database.db.prisma.alertEvent.count({
        where: { kind: "dead_letter_inflow", resolvedAt: null },
      }),
    ).toBe(1);

    // A deleted source's open episode resolves.
    plane.state.sources = [];
    const gone = await plane.round();
    expect(gone.filter((t) => t.transition === "resolved")).toHaveLength(1);
  });

  it("goes on with the other subjects when one's figures cannot be read or one decision cannot be recorded", async () => {
    await s.database.db.prisma.alertEvent.deleteMany({});
    const letters = new Map([
      ["src-a", 20],
      ["src-b", 20],
    ]);
    const unreadable = new Set<string>();
    let now = new Date("2026-12-05T13:00:30Z");
    const catalog = {
      listSources: async () =>
        [
          { id: "src-a", slug: "alpha", status: "active" },
          { id: "src-b", slug: "beta", status: "active" },
        ] as SourceRecord[],
      sourceActivityByMinute: async (id: string): Promise<MinuteActivity[]> => {
        if (unreadable.has(id)) throw new Error(`activity of ${id} timed out`);
        return [
          {
            minute: new Date(Math.floor(now.getTime() / 60_000) * 60_000),
            accepted: 5,
            deadLettered: letters.get(id) ?? 0,
          },
        ];
      },
      commitLatency: async () => ({ batches: 1, p50Ms: 100, p99Ms: 200 }),
      tryLease: async () => ({ release: async () => {} }),
    };
    const queue = {
      stats: async (): Promise<QueueStats> => ({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 }),
    };
    // The first fire's webhook delivery cannot be queued: that one fire is rolled back, the next recorded.
    let refuseNext = true;
    const round = () =>
      evaluateAlertRound({
        db: s.database.db,
        catalog,
        queue,
        onTransition: async () => {
          if (refuseNext) {
            refuseNext = false;
            throw new Error("delivery not queued");
          }
        },
        now: () => {
          now = new Date(now.getTime() + 30_000);
          return now;
        },
      });
    const openFor = async () =>
      (
        await s.database.db.prisma.alertEvent.findMany({
          where: { kind: "dead_letter_inflow", resolvedAt: null },
          select: { subjectName: true },
        })
      )
        .map((e) => e.subjectName)
        .sort();

    const first = await round();
    expect(first.problems).toEqual([expect.stringContaining("delivery not queued")]);
    expect(await openFor()).toEqual(["beta"]);

    // alpha fires now; beta's figures cannot be read: its episode is left open, not resolved.
    unreadable.add("src-b");
    letters.set("src-b", 0);
    const second = await round();
    expect(second.problems).toEqual([expect.stringContaining("activity of src-b timed out")]);
    expect(await openFor()).toEqual(["alpha", "beta"]);

    // Readable again and back under the threshold: both resolve.
    unreadable.clear();
    letters.set("src-a", 0);
    const third = await round();
    expect(third.problems).toEqual([]);
    expect(await openFor()).toEqual([]);
  });

  it("reports whether rules are evaluated: the last round, its duration and outcome", async () => {
    const off = await call(s, "query", "alerts.evaluation", undefined, "oncall");
    expect(off.data).toEqual({ running: false });
    expect((await call(s, "query", "alerts.evaluation", undefined, "analyst")).status).toBe(403);

    let leaseFree = true;
    const evaluator = startAlertEvaluator({
      db: s.database.db,
      catalog: {
        listSources: async () => [],
        sourceActivityByMinute: async () => [],
        commitLatency: async () => ({ batches: 0, p50Ms: undefined, p99Ms: undefined }),
        tryLease: async () => (leaseFree ? { release: async () => {} } : undefined),
      },
      queue: { stats: async () => ({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 }) },
      intervalMs: 20,
    });
    try {
      await expect.poll(() => evaluator.status().lastOutcome, { timeout: 10_000 }).toBe("evaluated");
      const status = evaluator.status();
      expect(status.lastRoundAt).toBeInstanceOf(Date);
      expect(status.lastRoundMs).toBeGreaterThanOrEqual(0);
      expect(status.problems).toEqual([]);
      expect(status.intervalMs).toBe(20);
      leaseFree = false;
      await expect.poll(() => evaluator.status().lastOutcome, { timeout: 10_000 }).toBe("elsewhere");
    } finally {
      await evaluator.stop();
    }
  });
});
