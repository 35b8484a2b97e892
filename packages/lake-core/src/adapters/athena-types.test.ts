import { describe, expect, it } from "vitest";
import { athenaValue, glueColumnType, portColumnType } from "./athena-types";

describe("glueColumnType", () => {
  it("stores catalog columns as Hive types Athena reads from Parquet", () => {
    expect(glueColumnType("BIGINT", "id")).toBe("bigint");
    expect(glueColumnType("VARCHAR", "s")).toBe("string");
    expect(glueColumnType("JSON", "payload")).toBe("string");
    expect(glueColumnType("TIMESTAMPTZ", "at")).toBe("timestamp");
    expect(glueColumnType("TIMESTAMP WITH TIME ZONE", "at")).toBe("timestamp");
    expect(glueColumnType("DECIMAL(12,2)", "amount")).toBe("decimal(12,2)");
    expect(glueColumnType("HUGEINT", "h")).toBe("decimal(38,0)");
    expect(glueColumnType("INTEGER[]", "xs")).toBe("array<int>");
    expect(glueColumnType('STRUCT("Source" VARCHAR, score DOUBLE, tags VARCHAR[])', "s")).toBe(
      "struct<source:string,score:double,tags:array<string>>",
    );
    expect(glueColumnType("MAP(VARCHAR, BIGINT)", "m")).toBe("map<string,bigint>");
  });

  it("refuses a type Athena cannot read, naming the column", () => {
    expect(() => glueColumnType("TIME", "opens")).toThrow(/column opens has type TIME/);
    expect(() => glueColumnType("UUID", "u")).toThrow(/column u/);
  });
});

describe("athenaValue and portColumnType", () => {
  it("turns GetQueryResults text into the port's JSON-safe values", () => {
    expect(athenaValue(undefined, { type: "varchar" })).toBeNull();
    expect(athenaValue("", { type: "varchar" })).toBe("");
    expect(athenaValue("42", { type: "integer" })).toBe(42);
    expect(athenaValue("9007199254740993", { type: "bigint" })).toBe("9007199254740993");
    expect(athenaValue("12.30", { type: "decimal", precision: 10, scale: 2 })).toBe("12.30");
    expect(athenaValue("1.0E10", { type: "double" })).toBe(1e10);
    expect(athenaValue("NaN", { type: "double" })).toBe("NaN");
    expect(athenaValue("true", { type: "boolean" })).toBe(true);
    expect(athenaValue("2026-01-02 03:04:05.120", { type: "timestamp" })).toBe("2026-01-02T03:04:05.120Z");
    expect(athenaValue("2026-01-02 03:04:05", { type: "timestamp(3)" })).toBe("2026-01-02T03:04:05.000Z");
    expect(athenaValue("2026-01-02 03:04:05.123456", { type: "timestamp(6)" })).toBe(
      "2026-01-02T03:04:05.123456Z",
    );
    expect(athenaValue("2026-01-02 03:04:05.500 UTC", { type: "timestamp with time zone" })).toBe(
      "2026-01-02T03:04:05.500Z",
    );
    expect(athenaValue("2026-01-02 03:04:05.000 +01:30", { type: "timestamp with time zone" })).toBe(
      "2026-01-02T01:34:05.000Z",
    );
    // Summer time in Berlin is UTC+2.
    expect(
      athenaValue("2026-07-01 12:00:00.000 Europe/Berlin", { type: "timestamp(3) with time zone" }),
    ).toBe("2026-07-01T10:00:00.000Z");
    expect(athenaValue("[1, 2]", { type: "array" })).toBe("[1, 2]");
  });

  it("names Athena's result types as the port does", () => {
    expect(portColumnType({ type: "decimal", precision: 10, scale: 2 })).toBe("DECIMAL(10,2)");
    expect(portColumnType({ type: "varchar" })).toBe("VARCHAR");
    expect(portColumnType({ type: "timestamp(3) with time zone" })).toBe("TIMESTAMP WITH TIME ZONE");
    expect(portColumnType({ type: "row" })).toBe("ROW");
    expect(portColumnType({ type: "unknown" })).toBe("NULL");
  });
});
