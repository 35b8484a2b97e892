import { describe, expect, it } from "vitest";
import {
  defaultRange,
  fromLocalInput,
  reprocessFormProblem,
  reprocessPercent,
  toLocalInput,
} from "./reprocess-form";

describe("reprocess form", () => {
  it("defaults to the last day, ending at the next whole minute", () => {
    const now = new Date(2026, 11, 5, 16, 20, 30).getTime();
    expect(defaultRange(now)).toEqual({ from: "2026-12-04T16:21", to: "2026-12-05T16:21" });
  });

  it("reads back what it writes and refuses text that names no instant", () => {
    const d = new Date(2026, 0, 2, 3, 4);
    expect(fromLocalInput(toLocalInput(d))?.getTime()).toBe(d.getTime());
    expect(fromLocalInput("yesterday")).toBeUndefined();
  });

  it("names what is wrong: a backwards range, a rate that is not a whole number of at least 1", () => {
    const ok = { from: "2026-12-04T16:00", to: "2026-12-05T16:00", rate: "5000" };
    expect(reprocessFormProblem(ok)).toBeUndefined();
    expect(reprocessFormProblem({ ...ok, to: ok.from })).toContain("end after");
    expect(reprocessFormProblem({ ...ok, rate: "0" })).toContain("at least 1");
    expect(reprocessFormProblem({ ...ok, rate: "2.5" })).toContain("whole number");
  });

  it("counts progress by events read, then batches", () => {
    const job = { status: "running" as const, phase: "reading", batchesTotal: 4, batchesDone: 1 };
    expect(reprocessPercent({ ...job, eventsTotal: 200, eventsRead: 50 })).toBe(25);
    expect(reprocessPercent({ ...job, eventsTotal: 0, eventsRead: 0 })).toBe(25);
    expect(reprocessPercent({ ...job, status: "succeeded", eventsTotal: 0, eventsRead: 0 })).toBe(100);
  });
});
