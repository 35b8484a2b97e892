// The replay's pace under each priority, driven by injected observations of live ingest (no clock).
import { describe, expect, it } from "vitest";
import { ReplayPace } from "./replay-pace";

const busy = { liveWaiting: 50 };
const idle = { liveWaiting: 0 };

describe("a replay's pace", () => {
  it("keeps its configured rate with priority 'rate', whatever waits", () => {
    const pace = new ReplayPace(5000, "rate");
    for (let i = 0; i < 10; i++) expect(pace.observe(busy)).toBe(5000);
    expect(pace.backedOff).toBe(false);
  });

  it("halves its rate while live batches wait beyond the bound, down to its floor", () => {
    const pace = new ReplayPace(5000, "live", { backlogBound: 4, floorShare: 0.05 });
    expect(pace.observe(busy)).toBe(2500);
    expect(pace.observe(busy)).toBe(1250);
    expect(pace.observe(busy)).toBe(625);
    expect(pace.observe(busy)).toBe(312.5);
    expect(pace.observe(busy)).toBe(250);
    expect(pace.observe(busy)).toBe(250);
    expect(pace.backedOff).toBe(true);
  });

  it("does not back off for a backlog within the bound", () => {
    const pace = new ReplayPace(5000, "live", { backlogBound: 4 });
    expect(pace.observe({ liveWaiting: 4 })).toBe(5000);
    expect(pace.observe({ liveWaiting: 5 })).toBe(2500);
  });

  it("keeps its rate while the workers keep up with live ingest: batches queued, none waiting long", () => {
    const pace = new ReplayPace(5000, "live", { backlogBound: 4, ageBoundMs: 1000 });
    for (let i = 0; i < 5; i++) expect(pace.observe({ liveWaiting: 30, oldestAgeMs: 400 })).toBe(5000);
    expect(pace.observe({ liveWaiting: 30, oldestAgeMs: 1000 })).toBe(5000);
    expect(pace.observe({ liveWaiting: 30, oldestAgeMs: 1001 })).toBe(2500);
    // An old message alone (the replay's own batch, say) is no reason while live batches do not wait.
    expect(pace.observe({ liveWaiting: 4, oldestAgeMs: 60_000 })).toBe(3500);
    expect(pace.backedOff).toBe(true);
  });

  it("climbs back to its configured rate in steps once live ingest is idle, and no higher", () => {
    const pace = new ReplayPace(5000, "live", { floorShare: 0.05, increaseShare: 0.2 });
    for (let i = 0; i < 10; i++) pace.observe(busy);
    expect(pace.rate).toBe(250);
    const climb = [1, 2, 3, 4, 5, 6].map(() => pace.observe(idle));
    expect(climb).toEqual([1250, 2250, 3250, 4250, 5000, 5000]);
    expect(pace.backedOff).toBe(false);
  });

  it("backs off again as soon as live batches wait once more (additive increase, multiplicative decrease)", () => {
    const pace = new ReplayPace(1000, "live", { increaseShare: 0.25 });
    expect([busy, idle, idle, busy, idle].map((l) => pace.observe(l))).toEqual([500, 750, 1000, 500, 750]);
  });

  it("takes a new configured rate at once when not backed off, and caps a backed-off rate by it", () => {
    const full = new ReplayPace(5000, "live");
    full.configure(8000);
    expect(full.rate).toBe(8000);
    const slowed = new ReplayPace(5000, "live");
    slowed.observe(busy);
    slowed.configure(20_000);
    expect(slowed.rate).toBe(2500);
    slowed.configure(1000);
    expect(slowed.rate).toBe(1000);
    const fixed = new ReplayPace(5000, "rate");
    fixed.configure(300);
    expect(fixed.rate).toBe(300);
  });
});
