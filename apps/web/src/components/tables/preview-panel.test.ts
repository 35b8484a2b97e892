import { describe, expect, it } from "vitest";
import { previewSummary } from "./preview-panel";

describe("previewSummary", () => {
  it("says how many of the snapshot's rows are shown, and at which snapshot", () => {
    expect(previewSummary({ shown: 4, totalRows: 4, truncated: false, snapshot: 2 })).toBe(
      "Showing all 4 rows (snapshot 2).",
    );
    expect(previewSummary({ shown: 100, totalRows: 12_345, truncated: true, snapshot: 7 })).toBe(
      "Showing the newest 100 rows of 12,345 (snapshot 7).",
    );
    expect(previewSummary({ shown: 1, totalRows: 1, truncated: false, snapshot: 1 })).toBe(
      "Showing the table's one row (snapshot 1).",
    );
  });

  it("still says the table has more when the count moved on since the preview", () => {
    expect(previewSummary({ shown: 100, totalRows: null, truncated: true, snapshot: 3 })).toBe(
      "Showing the newest 100 rows of snapshot 3; the table has more.",
    );
  });
});
