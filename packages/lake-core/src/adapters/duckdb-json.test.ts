import { describe, expect, it } from "vitest";
import { parseDuckDbJson, stringifyDuckDbJson } from "./duckdb-json";

describe("DuckDB's JSON", () => {
  it("reads bare non-finite numbers and writes them back as DuckDB wrote them", () => {
    const text =
      '{"a":Infinity,"b":[-Infinity,NaN],"c":"Infinity, NaN","d":"say \\"NaN\\"","e":18446744073709551615}';
    const doc = parseDuckDbJson(text) as Record<string, unknown>;
    expect(doc.c).toBe("Infinity, NaN");
    expect(doc.d).toBe('say "NaN"');
    expect(stringifyDuckDbJson(doc)).toBe(text);
  });
});
