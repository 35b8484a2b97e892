// A replay job's progress bar, its status helpers and the rate field's check.
import { describe, expect, it } from "vitest";
import {
  canCancel,
  canPause,
  canResume,
  donePercent,
  isActive,
  parseRate,
  progressSegments,
} from "./replay-progress";

const p = {
  total: 3,
  queued: 0,
  sent: 0,
  replayed: 3,
  landed: 1,
  duplicates: 1,
  stillFailing: 1,
  skipped: 0,
};

describe("replay progress", () => {
  it("splits the bar into segments that never add past 100", () => {
    const segments = progressSegments(p);
    expect(segments.map((s) => s.percent)).toEqual([33.3, 33.3, 33.3, 0, 0]);
    expect(segments.reduce((n, s) => n + s.percent, 0)).toBeLessThanOrEqual(100);
    expect(donePercent(p)).toBe(100);
    expect(donePercent({ ...p, landed: 0, duplicates: 0, stillFailing: 0, sent: 3 })).toBe(0);
  });

  it("shows an empty job as done and without segments", () => {
    const empty = { ...p, total: 0, landed: 0, duplicates: 0, stillFailing: 0, replayed: 0 };
    expect(progressSegments(empty).every((s) => s.percent === 0)).toBe(true);
    expect(donePercent(empty)).toBe(100);
  });

  it("knows which statuses move and which controls apply", () => {
    expect(isActive("running")).toBe(true);
    expect(isActive("paused")).toBe(false);
    expect(canPause("queued")).toBe(true);
    expect(canResume("paused")).toBe(true);
    expect(canResume("running")).toBe(false);
    expect(canCancel("succeeded")).toBe(false);
  });

  it("checks the rate", () => {
    expect(parseRate("5,000")).toEqual({ rate: 5000 });
    expect(parseRate("0")).toEqual({ error: "must be at least 1 event per second" });
    expect(parseRate("2.5")).toEqual({ error: "must be a whole number of events per second" });
    expect(parseRate("")).toEqual({ error: "must be a whole number of events per second" });
  });
});
