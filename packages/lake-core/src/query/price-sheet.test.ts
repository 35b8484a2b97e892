import { describe, expect, it } from "vitest";
import { ATHENA_PRICE_SHEET, MB_BYTES, queryCostUsd, TB_BYTES } from "./price-sheet";

describe("the price of a query", () => {
  it("is Athena's $5 per TB of 2^40 bytes by default", () => {
    expect(ATHENA_PRICE_SHEET).toEqual({ usdPerTb: 5, minBytesPerQuery: 10 * MB_BYTES });
    expect(queryCostUsd(TB_BYTES)).toBe(5);
    expect(queryCostUsd(3 * TB_BYTES)).toBe(15);
  });

  it("bills at least 10 MB, rounded up to the next whole MB", () => {
    const tenMb = (10 * MB_BYTES * 5) / TB_BYTES;
    expect(queryCostUsd(0)).toBe(tenMb);
    expect(queryCostUsd(MB_BYTES)).toBe(tenMb);
    expect(queryCostUsd(10 * MB_BYTES + 1)).toBe((11 * MB_BYTES * 5) / TB_BYTES);
  });

  it("follows another price sheet", () => {
    expect(queryCostUsd(2 * TB_BYTES, { usdPerTb: 6.25, minBytesPerQuery: 0 })).toBe(12.5);
    expect(queryCostUsd(0, { usdPerTb: 6.25, minBytesPerQuery: 0 })).toBe(0);
  });

  it("refuses a negative or unknown byte count", () => {
    expect(() => queryCostUsd(-1)).toThrow(RangeError);
    expect(() => queryCostUsd(Number.NaN)).toThrow(RangeError);
  });
});
