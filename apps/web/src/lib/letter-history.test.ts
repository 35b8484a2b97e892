// A dead letter's history in words: landing names its snapshot and table, failing again its reason.
import { describe, expect, it } from "vitest";
import { describeHistoryEntry, inFlight } from "./letter-history";

const at = new Date("2026-12-05T16:00:00Z");

describe("describeHistoryEntry", () => {
  it("names the snapshot a replayed letter landed in", () => {
    const d = describeHistoryEntry({
      at,
      kind: "landed",
      jobId: "job1",
      batchId: "b1",
      table: "curated.orders",
      snapshotSeq: 7,
      events: 1,
    });
    expect(d).toEqual({
      title: "Landed in snapshot 7 of curated.orders",
      detail: "replayed by job job1",
      tone: "green",
    });
  });

  it("says who edited and who discarded, and why", () => {
    expect(describeHistoryEntry({ at, kind: "edited", by: "oncall@inlet.local" }).title).toBe(
      "Edited by oncall@inlet.local",
    );
    expect(
      describeHistoryEntry({
        at,
        kind: "reprocessed",
        jobId: "r1",
        by: "oncall@inlet.local",
        table: "curated.orders",
        snapshotSeq: 7,
      }),
    ).toEqual({
      title: "Landed in snapshot 7 of curated.orders by reprocessing its raw batch",
      detail: "reprocess job r1 · by oncall@inlet.local",
      tone: "green",
    });
    const discarded = describeHistoryEntry({ at, kind: "discarded", by: "a@b.c", reason: "test data" });
    expect(discarded.title).toBe("Discarded by a@b.c");
    expect(discarded.detail).toBe("test data");
  });

  it("says why a replayed letter failed again, and where", () => {
    const d = describeHistoryEntry({
      at,
      kind: "failed_again",
      jobId: "j",
      batchId: null,
      reasonCode: "SCHEMA_VIOLATION",
      reason: "must be number",
      path: "/amount",
    });
    expect(d.title).toBe("Failed again: SCHEMA_VIOLATION at /amount");
    expect(d.detail).toBe("must be number · job j");
    expect(d.tone).toBe("red");
  });
});

describe("inFlight", () => {
  it("is true between a replay's queueing and its outcome", () => {
    expect(inFlight([{ kind: "received" }])).toBe(false);
    expect(inFlight([{ kind: "received" }, { kind: "replay_queued" }])).toBe(true);
    expect(inFlight([{ kind: "replay_queued" }, { kind: "replay_sent" }])).toBe(true);
    expect(inFlight([{ kind: "replay_sent" }, { kind: "landed" }])).toBe(false);
    expect(inFlight([])).toBe(false);
  });
});
