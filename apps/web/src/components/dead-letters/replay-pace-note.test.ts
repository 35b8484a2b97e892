import { describe, expect, it } from "vitest";
import { replayPaceNote } from "./replay-pace-note";

describe("a replay job's pace note", () => {
  it("says the job gives way to live ingest, at which rate of its own", () => {
    expect(replayPaceNote({ status: "running", ratePerSecond: 5000, sendingRate: 1250 })).toBe(
      "Giving way to live ingest: sending at 1,250 of 5,000 events/s while live batches wait for the workers; back to its rate once they catch up.",
    );
  });

  it("says nothing at the job's own rate, or once the job does not run", () => {
    expect(replayPaceNote({ status: "running", ratePerSecond: 5000, sendingRate: null })).toBeUndefined();
    expect(replayPaceNote({ status: "running", ratePerSecond: 5000, sendingRate: 5000 })).toBeUndefined();
    expect(replayPaceNote({ status: "paused", ratePerSecond: 5000, sendingRate: 250 })).toBeUndefined();
    expect(replayPaceNote({ status: "succeeded", ratePerSecond: 5000, sendingRate: 250 })).toBeUndefined();
  });
});
