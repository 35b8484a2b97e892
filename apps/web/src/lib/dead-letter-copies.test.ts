import { describe, expect, it } from "vitest";
import { groupCopiesText, letterCopiesText } from "./dead-letter-copies";
import { formatDateTime } from "./format";

describe("letterCopiesText", () => {
  it("says nothing of a letter received once", () => {
    expect(letterCopiesText({ copies: 1, lastReceivedAt: new Date() })).toBeUndefined();
  });

  it("says how many copies came and when the last did", () => {
    const last = new Date("2026-12-05T21:04:10Z");
    expect(letterCopiesText({ copies: 2, lastReceivedAt: last })).toBe(
      `received 2×, last at ${formatDateTime(last)}`,
    );
    expect(letterCopiesText({ copies: 1200, lastReceivedAt: last })).toMatch(/^received 1,200×/);
  });
});

describe("groupCopiesText", () => {
  it("names copies only when the letters stand for more than themselves", () => {
    expect(groupCopiesText({ count: 3, copies: 3 })).toBeUndefined();
    expect(groupCopiesText({ count: 3, copies: 5 })).toBe("5 copies");
  });
});
