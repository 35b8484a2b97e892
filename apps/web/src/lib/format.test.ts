import { describe, expect, it } from "vitest";
import { formatCount, formatDuration } from "./format";

describe("formatDuration", () => {
  it("keeps sub-second ages in milliseconds", () => {
    expect(formatDuration(850)).toBe("850 ms");
  });

  it("rounds down to the largest whole unit and keeps one smaller unit", () => {
    expect(formatDuration(42_500)).toBe("42 s");
    expect(formatDuration(7 * 60_000 + 20_000)).toBe("7 min");
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe("3 h 5 min");
    expect(formatDuration(2 * 86_400_000)).toBe("2 d");
  });
});

describe("formatCount", () => {
  it("groups thousands", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
  });
});
