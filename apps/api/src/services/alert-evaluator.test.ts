// The evaluator's rules without a database: effective rules, the figures read from minute activity,
// and when an episode fires, stays open, and resolves (with hysteresis).
import type { MinuteActivity } from "@inlet/lake-core";
import { describe, expect, it } from "vitest";
import { alertMessage, decide } from "./alert-evaluator";
import {
  costTodayBySource,
  deadLetterInflow,
  minutesSinceLastEvent,
  type Observation,
  readFigures,
  throughputPercent,
} from "./alert-figures";
import { ALL_SUBJECTS, effectiveRule, type StoredRule } from "./alert-rules";

const NOW = new Date("2026-12-05T12:00:30Z");
const minute = (minsAgo: number, accepted: number, deadLettered = 0): MinuteActivity => ({
  minute: new Date(Date.UTC(2026, 11, 5, 12, 0) - minsAgo * 60_000),
  accepted,
  deadLettered,
});
const stored = (kind: string, subject: string, threshold: number): StoredRule => ({
  kind,
  subject,
  threshold,
  windowMinutes: 5,
  enabled: true,
  updatedByEmail: "oncall@inlet.local",
  updatedAt: NOW,
});
const obs = (value: number | null | undefined, over: Partial<Observation> = {}): Observation => ({
  kind: "dead_letter_inflow",
  subjectType: "source",
  subjectId: "src1",
  subjectName: "orders",
  value,
  threshold: 10,
  windowMinutes: 5,
  enabled: true,
  ...over,
});

describe("effective rules", () => {
  it("uses the subject's override, else the kind's '*' override, else the built-in default", () => {
    expect(effectiveRule("dead_letter_inflow", "src1", [])).toMatchObject({
      threshold: 10,
      origin: "default",
    });
    const all = [stored("dead_letter_inflow", ALL_SUBJECTS, 20)];
    expect(effectiveRule("dead_letter_inflow", "src1", all)).toMatchObject({ threshold: 20, origin: "all" });
    const own = [...all, stored("dead_letter_inflow", "src1", 3)];
    expect(effectiveRule("dead_letter_inflow", "src1", own)).toMatchObject({
      threshold: 3,
      origin: "subject",
    });
    expect(effectiveRule("dead_letter_inflow", "src2", own)).toMatchObject({ threshold: 20, origin: "all" });
    expect(effectiveRule("cost_per_day", "src1", [])).toMatchObject({ threshold: 10, enabled: true });
  });
});

describe("figures", () => {
  it("counts dead letters in the window, the current minute included", () => {
    const rows = [minute(0, 0, 2), minute(4, 0, 3), minute(5, 0, 100)];
    expect(deadLetterInflow(rows, NOW, 5)).toBe(5);
  });

  it("compares the last complete minutes' rate with the trailing hour's", () => {
    const rows: MinuteActivity[] = [];
    for (let m = 6; m <= 65; m++) rows.push(minute(m, 10)); // the hour before the window: 10/min
    for (let m = 1; m <= 5; m++) rows.push(minute(m, 2)); // the window: 2/min
    rows.push(minute(0, 1000)); // the current, incomplete minute is not counted
    expect(throughputPercent(rows, NOW, 5)).toBeCloseTo(20);
    expect(throughputPercent([minute(10, 59)], NOW, 5)).toBeNull();
  });

  it("measures silence from the end of the last active minute, and not for a source silent all day", () => {
    expect(minutesSinceLastEvent([minute(30, 1), minute(90, 5)], NOW)).toBeCloseTo(29.5);
    expect(minutesSinceLastEvent([minute(30, 0, 1)], NOW)).toBeCloseTo(29.5);
    expect(minutesSinceLastEvent([], NOW)).toBeNull();
  });
});

describe("cost per day", () => {
  const catalog = {
    listSources: async () =>
      [
        { id: "s1", slug: "orders", status: "active" },
        { id: "s2", slug: "clicks", status: "active" },
      ] as never,
    sourceActivityByMinute: async () => [],
    commitLatency: async () => ({ batches: 0, p50Ms: undefined, p99Ms: undefined }),
  };
  const queue = { stats: async () => ({ depth: 0, inFlight: 0, dead: 0, oldestAgeMs: 0 }) };
  const cost = (o: Observation[], slug: string) =>
    o.find((x) => x.kind === "cost_per_day" && x.subjectName === slug)?.value;

  it("adds up today's cost items per source from the dashboard's rows", () => {
    const rows = [
      { day: "2026-12-05", source: "orders", usd: 4 },
      { day: "2026-12-05", source: "orders", usd: 8.5 },
      { day: "2026-12-04", source: "orders", usd: 100 },
      { day: "2026-12-05", source: "(all)", usd: 3 },
    ];
    expect(costTodayBySource(rows, NOW)).toEqual(
      new Map([
        ["orders", 12.5],
        ["(all)", 3],
      ]),
    );
  });

  it("judges each source's cost today, 0 when it has none, and nothing without a cost figure", async () => {
    const costToday = async () => new Map([["orders", 12.5]]);
    const o = await readFigures({ catalog, queue, costToday }, [], NOW);
    expect(cost(o, "orders")).toBe(12.5);
    expect(cost(o, "clicks")).toBe(0);
    const fired = decide(o, []).flatMap((d) => (d.type === "fire" ? [d.observation.kind] : []));
    expect(fired).toEqual(["cost_per_day"]);
    expect(cost(await readFigures({ catalog, queue }, [], NOW), "orders")).toBeUndefined();
  });
});

describe("decide", () => {
  it("fires over the threshold and not at it", () => {
    expect(decide([obs(10)], [])).toEqual([]);
    expect(decide([obs(11)], [])).toMatchObject([{ type: "fire", observation: { value: 11 } }]);
  });

  it("never fires twice for an open episode, and resolves only once back below the hysteresis band", () => {
    const open = [{ id: "e1", kind: "dead_letter_inflow", subjectId: "src1" }];
    expect(decide([obs(50)], open)).toEqual([{ type: "update", eventId: "e1", value: 50 }]);
    expect(decide([obs(9.5)], open)).toEqual([{ type: "update", eventId: "e1", value: 9.5 }]);
    expect(decide([obs(9)], open)).toEqual([{ type: "resolve", eventId: "e1", value: 9 }]);
  });

  it("fires a 'below' kind under its threshold and resolves it above the band", () => {
    const o = (v: number) => obs(v, { kind: "throughput_drop", threshold: 50 });
    expect(decide([o(49)], [])).toMatchObject([{ type: "fire" }]);
    const open = [{ id: "e2", kind: "throughput_drop", subjectId: "src1" }];
    expect(decide([o(54)], open)).toMatchObject([{ type: "update" }]);
    expect(decide([o(55)], open)).toMatchObject([{ type: "resolve", value: 55 }]);
  });

  it("leaves an episode alone without a figure, resolves it when the kind stops applying, the rule is off or the subject is gone", () => {
    const open = [{ id: "e1", kind: "dead_letter_inflow", subjectId: "src1" }];
    expect(decide([obs(undefined)], open)).toEqual([]);
    expect(decide([obs(null)], open)).toEqual([{ type: "resolve", eventId: "e1", value: null }]);
    expect(decide([obs(500, { enabled: false })], open)).toEqual([
      { type: "resolve", eventId: "e1", value: null },
    ]);
    expect(decide([], open)).toEqual([{ type: "resolve", eventId: "e1", value: null }]);
    expect(decide([obs(500, { enabled: false })], [])).toEqual([]);
  });

  it("says what fired in a sentence", () => {
    expect(alertMessage({ ...obs(42), value: 42 })).toBe(
      "Dead-letter inflow for source orders: 42 letters over 5 min, above the threshold of 10 letters",
    );
    expect(alertMessage({ ...obs(19, { threshold: 1 }), value: 19 })).toBe(
      "Dead-letter inflow for source orders: 19 letters over 5 min, above the threshold of 1 letter",
    );
    expect(alertMessage({ ...obs(1, { kind: "no_events", threshold: 0 }), value: 1 })).toBe(
      "No events for source orders: 1 minute, above the threshold of 0 minutes",
    );
  });
});
