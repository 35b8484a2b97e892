// RFC 4180 quoting, and formula-like text made inert for spreadsheets.
import { describe, expect, it } from "vitest";
import { csvField, csvRow, inertInSpreadsheets } from "./csv-row";

describe("csvField", () => {
  it("leaves plain text as it is", () => {
    expect(csvField("source.create")).toBe("source.create");
    expect(csvField("")).toBe("");
    expect(csvField("späť ✓")).toBe("späť ✓");
  });

  it("writes null and undefined as an empty field", () => {
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
  });

  it("quotes a field holding a comma, a quote, a CR or an LF, doubling its quotes", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('"')).toBe('""""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
    expect(csvField('{"table":"curated.orders","before":null}')).toBe(
      '"{""table"":""curated.orders"",""before"":null}"',
    );
  });

  it("does not quote a field for other whitespace", () => {
    expect(csvField(" padded ")).toBe(" padded ");
    expect(csvField("tab\there")).toBe("tab\there");
  });
});

describe("csvRow", () => {
  it("joins fields with commas and ends the record with CRLF", () => {
    expect(csvRow(["1", null, "a,b", ""])).toBe('1,,"a,b",\r\n');
    expect(csvRow([])).toBe("\r\n");
  });
});

describe("inertInSpreadsheets", () => {
  it("prefixes an apostrophe to text a spreadsheet would run", () => {
    for (const text of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]) {
      expect(inertInSpreadsheets(text)).toBe(`'${text}`);
    }
  });

  it("leaves other text and null alone", () => {
    expect(inertInSpreadsheets("admin@inlet.local")).toBe("admin@inlet.local");
    expect(inertInSpreadsheets("a=b")).toBe("a=b");
    expect(inertInSpreadsheets(null)).toBeNull();
  });
});
