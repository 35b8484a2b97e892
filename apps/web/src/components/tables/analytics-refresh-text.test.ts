import { describe, expect, it } from "vitest";
import { describeInput, describeRefreshMode, describeRefreshResult } from "./analytics-refresh-text";

describe("an analytics table's refresh in words", () => {
  it("says when the table is refreshed", () => {
    expect(describeRefreshMode("on_commit", null)).toBe("When an input commits a new snapshot");
    expect(describeRefreshMode("schedule", 15)).toBe("Every 15 minutes");
    expect(describeRefreshMode("schedule", 60)).toBe("Every hour");
    expect(describeRefreshMode("schedule", 1440)).toBe("Every 24 hours");
    expect(describeRefreshMode("schedule", 1)).toBe("Every minute");
  });

  it("says how fresh each input is", () => {
    const input = { name: "curated.orders", zone: "curated" };
    expect(describeInput({ ...input, readSeq: 4, currentSeq: 4 })).toBe("read at snapshot 4, its latest");
    expect(describeInput({ ...input, readSeq: 4, currentSeq: 6 })).toBe("read at snapshot 4; now at 6");
    expect(describeInput({ ...input, readSeq: 0, currentSeq: 2 })).toBe("not read yet (now at snapshot 2)");
    expect(describeInput({ ...input, zone: null, readSeq: 4, currentSeq: null })).toBe(
      "gone: the table no longer exists",
    );
  });

  it("says what a refresh did", () => {
    expect(
      describeRefreshResult({
        status: "refreshed",
        mode: "incremental",
        partitions: ["dt=2024-05-02"],
        rows: 1,
      }),
    ).toBe("Refreshed: recomputed dt=2024-05-02.");
    expect(describeRefreshResult({ status: "refreshed", mode: "incremental", partitions: [], rows: 0 })).toBe(
      "Refreshed: no input partition changed.",
    );
    expect(describeRefreshResult({ status: "refreshed", mode: "full", partitions: null, rows: 1200 })).toBe(
      "Refreshed: 1,200 rows written.",
    );
    expect(describeRefreshResult({ status: "failed", error: "boom" })).toMatch(/last good snapshot/);
  });
});
