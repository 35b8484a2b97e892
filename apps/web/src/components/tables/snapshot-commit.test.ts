import { describe, expect, it } from "vitest";
import { batchesNotListed, describeCommit, type SnapshotCommit } from "./snapshot-commit";

const base: SnapshotCommit = {
  operation: "append",
  removedFiles: 0,
  batchIds: [],
  batchCount: 0,
  partitions: [],
};

describe("describeCommit", () => {
  it("names an append by the batches it committed", () => {
    expect(describeCommit({ ...base, batchIds: ["b1"], batchCount: 1 })).toBe("Ingest: 1 batch");
    expect(describeCommit({ ...base, batchIds: ["b1", "b2"], batchCount: 1200 })).toBe(
      "Ingest: 1,200 batches",
    );
    expect(describeCommit(base)).toBe("Ingest");
    expect(describeCommit({ ...base, operation: "replay", batchIds: ["b1"], batchCount: 1 })).toBe(
      "Replay: 1 batch",
    );
  });

  it("names a compaction by the files it merged and where, a retention by what it dropped", () => {
    expect(
      describeCommit({ ...base, operation: "compact", removedFiles: 8, partitions: ["dt=2024-05-01"] }),
    ).toBe("Compaction: merged 8 files in dt=2024-05-01");
    expect(
      describeCommit({
        ...base,
        operation: "retention",
        removedFiles: 3,
        partitions: ["dt=2023-01-01", "dt=2023-01-02"],
      }),
    ).toBe("Retention: dropped dt=2023-01-01, dt=2023-01-02");
    expect(describeCommit({ ...base, operation: "retention", removedFiles: 1 })).toBe(
      "Retention: dropped 1 file",
    );
  });

  it("names a refresh by the partitions it recomputed, or the files a whole refresh replaced", () => {
    expect(
      describeCommit({ ...base, operation: "refresh", removedFiles: 1, partitions: ["dt=2024-05-02"] }),
    ).toBe("Refresh: recomputed dt=2024-05-02");
    expect(describeCommit({ ...base, operation: "refresh", removedFiles: 3 })).toBe(
      "Refresh: rewrote the table (3 files replaced)",
    );
    expect(describeCommit({ ...base, operation: "refresh" })).toBe("Refresh: wrote the table");
  });

  it("counts the batch ids a summary left out", () => {
    expect(batchesNotListed({ ...base, batchIds: ["a", "b"], batchCount: 25 })).toBe(23);
    expect(batchesNotListed({ ...base, batchIds: ["a"], batchCount: 1 })).toBe(0);
  });
});
