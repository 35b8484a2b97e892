import { describe, expect, it } from "vitest";
import { CELL_MAX_CHARS, cellText, shortCellText } from "./cell-value";

describe("cellText", () => {
  it("says NULL as null and shows every other value as text", () => {
    expect(cellText(null)).toBeNull();
    expect(cellText(undefined)).toBeNull();
    expect(cellText("paid")).toBe("paid");
    expect(cellText(12.5)).toBe("12.5");
    expect(cellText(false)).toBe("false");
    expect(cellText(12n)).toBe("12");
    expect(cellText(new Date("2024-05-01T10:00:00Z"))).toBe("2024-05-01T10:00:00.000Z");
    expect(cellText({ a: [1, 2], n: 3n })).toBe('{"a":[1,2],"n":"3"}');
  });

  it("writes a double without its binary noise, and whole numbers in full", () => {
    expect(cellText(29.990000000000002)).toBe("29.99");
    expect(cellText(0.1 + 0.2)).toBe("0.3");
    expect(cellText(1 / 3)).toBe("0.333333333333333");
    expect(cellText(12345678901234)).toBe("12345678901234");
    expect(cellText(1.5e-7)).toBe("1.5e-7");
  });

  it("cuts a long value for the table without splitting a character", () => {
    const long = "😀".repeat(CELL_MAX_CHARS + 5);
    const cut = shortCellText(long);
    expect([...cut]).toHaveLength(CELL_MAX_CHARS);
    expect(cut.endsWith("…")).toBe(true);
    expect(shortCellText("short")).toBe("short");
  });
});
