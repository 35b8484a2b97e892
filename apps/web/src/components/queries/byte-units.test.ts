import { describe, expect, it } from "vitest";
import { formatBytesInput, formatScanBytes, formatUsd, parseBytes } from "./byte-units";

describe("byte amounts in human units", () => {
  it("reads amounts with binary units, as Athena bills", () => {
    expect(parseBytes("10 GB")).toEqual({ ok: true, bytes: 10 * 2 ** 30 });
    expect(parseBytes("1.5tb")).toEqual({ ok: true, bytes: 1.5 * 2 ** 40 });
    expect(parseBytes("500 MiB")).toEqual({ ok: true, bytes: 500 * 2 ** 20 });
    expect(parseBytes("1,048,576")).toEqual({ ok: true, bytes: 1_048_576 });
    expect(parseBytes("2,5 GB")).toEqual({ ok: true, bytes: 2.5 * 2 ** 30 });
  });

  it("says what is wrong with an amount it cannot read", () => {
    expect(parseBytes("ten GB")).toMatchObject({ ok: false, problem: expect.stringContaining("10 GB") });
    expect(parseBytes("10 XB")).toEqual({
      ok: false,
      problem: "Unknown unit 'XB': use B, KB, MB, GB, TB or PB",
    });
    expect(parseBytes("0 GB")).toMatchObject({ ok: false });
  });

  it("writes bytes back in the largest unit that fits", () => {
    expect(formatBytesInput(10 * 2 ** 30)).toBe("10 GB");
    expect(formatBytesInput(1.5 * 2 ** 40)).toBe("1.5 TB");
    expect(formatBytesInput(512 * 2 ** 20)).toBe("512 MB");
    expect(formatBytesInput(100)).toBe("100 B");
    expect(parseBytes(formatBytesInput(1.25 * 2 ** 30))).toEqual({ ok: true, bytes: 1.25 * 2 ** 30 });
  });

  it("shows costs in dollars with enough digits to see a small one", () => {
    expect(formatUsd(12.345)).toBe("$12.35");
    expect(formatUsd(0.05)).toBe("$0.05");
    expect(formatUsd(0.0000476837158203125)).toBe("$0.000048");
    expect(formatUsd(0)).toBe("$0.00");
  });
});

describe("bytes scanned as the API's messages write them", () => {
  it("uses binary units labelled KB, MB, GB with up to three significant digits", () => {
    expect(formatScanBytes(1)).toBe("1 byte");
    expect(formatScanBytes(812)).toBe("812 bytes");
    expect(formatScanBytes(1536)).toBe("1.5 KB");
    expect(formatScanBytes(12.34 * 2 ** 30)).toBe("12.3 GB");
    expect(formatScanBytes(512 * 2 ** 20)).toBe("512 MB");
  });
});
