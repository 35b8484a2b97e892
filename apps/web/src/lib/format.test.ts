import { describe, expect, it } from "vitest";
import { formatBytes, formatCount, formatDuration } from "./format";

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

describe("formatBytes", () => {
  it("keeps small sizes in bytes and larger ones in the largest binary unit, one decimal under 10", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(2048)).toBe("2 KiB");
    expect(formatBytes(12 * 1024 * 1024 + 100)).toBe("12 MiB");
    expect(formatBytes(3.4 * 1024 ** 3)).toBe("3.4 GiB");
  });
});
