import { describe, expect, it } from "vitest";
import { curatedColumns, duckDbTypeOf, evolveColumns, payloadColumns, payloadLayout } from "./schema-columns";

describe("schema columns", () => {
  it("maps JSON Schema property types to DuckDB types", () => {
    expect(duckDbTypeOf({ type: "string" })).toBe("VARCHAR");
    expect(duckDbTypeOf({ type: "string", format: "date-time" })).toBe("TIMESTAMPTZ");
    expect(duckDbTypeOf({ type: "integer" })).toBe("BIGINT");
    expect(duckDbTypeOf({ type: "number" })).toBe("DOUBLE");
    expect(duckDbTypeOf({ type: "boolean" })).toBe("BOOLEAN");
    expect(duckDbTypeOf({ type: "object", properties: { a: { type: "string" } } })).toBe("JSON");
    expect(duckDbTypeOf({ type: "array", items: { type: "number" } })).toBe("JSON");
  });

  it("treats nullable and union types sensibly", () => {
    expect(duckDbTypeOf({ type: ["integer", "null"] })).toBe("BIGINT");
    expect(duckDbTypeOf({ anyOf: [{ type: "string", format: "date-time" }, { type: "null" }] })).toBe(
      "TIMESTAMPTZ",
    );
    expect(duckDbTypeOf({ type: ["integer", "number"] })).toBe("DOUBLE");
    expect(duckDbTypeOf({ type: ["string", "number"] })).toBe("JSON");
    expect(duckDbTypeOf({ enum: ["a", "b"] })).toBe("VARCHAR");
    expect(duckDbTypeOf({ const: 3 })).toBe("BIGINT");
    expect(duckDbTypeOf({})).toBe("JSON");
    expect(duckDbTypeOf(true)).toBe("JSON");
  });

  it("keeps declaration order and drops properties that collide with meta columns", () => {
    const schema = {
      type: "object",
      properties: { b: { type: "string" }, a: { type: "integer" }, _event_id: { type: "string" }, dt: {} },
    };
    expect(payloadColumns(schema)).toEqual([
      { name: "b", type: "VARCHAR" },
      { name: "a", type: "BIGINT" },
    ]);
  });

  it("appends meta columns and the dt partition column", () => {
    const cols = curatedColumns({ type: "object", properties: { amount: { type: "number" } } });
    expect(cols).toEqual([
      { name: "amount", type: "DOUBLE" },
      { name: "_event_id", type: "VARCHAR" },
      { name: "_event_time", type: "TIMESTAMPTZ" },
      { name: "_ingested_at", type: "TIMESTAMPTZ" },
      { name: "_batch_id", type: "VARCHAR" },
      { name: "dt", type: "DATE" },
    ]);
  });

  it("keeps the whole payload as JSON when there is no schema or no properties", () => {
    expect(payloadLayout(undefined)).toEqual({ raw: true, columns: [{ name: "_payload", type: "JSON" }] });
    expect(payloadLayout({ type: "object" }).raw).toBe(true);
    expect(curatedColumns(undefined)[0]).toEqual({ name: "_payload", type: "JSON" });
  });
});

describe("column names under DuckDB's case-insensitive identifiers", () => {
  it("drops properties that collide with reserved or earlier names in any case", () => {
    const cols = payloadColumns({
      type: "object",
      properties: {
        id: { type: "string" },
        ID: { type: "integer" },
        DT: { type: "string" },
        _Event_Id: { type: "string" },
        amount: { type: "number" },
      },
    });
    expect(cols.map((c) => c.name)).toEqual(["id", "amount"]);
  });
});

describe("evolveColumns", () => {
  const col = (name: string, type = "VARCHAR") => ({ name, type });
  it("keeps each column where it stands, takes the new version's types, and appends what it adds", () => {
    // Registered in this order; the stored schema comes back with its keys sorted (jsonb).
    const registered = [
      col("ts", "TIMESTAMPTZ"),
      col("paid", "BOOLEAN"),
      col("amount"),
      col("_event_id"),
      col("dt", "DATE"),
    ];
    const stored = [
      col("amount", "DOUBLE"),
      col("paid", "BOOLEAN"),
      col("note"),
      col("ts", "TIMESTAMPTZ"),
      col("_event_id"),
      col("dt", "DATE"),
    ];
    expect(evolveColumns(stored)(registered)).toEqual([
      col("ts", "TIMESTAMPTZ"),
      col("paid", "BOOLEAN"),
      col("amount", "DOUBLE"),
      col("note"),
      col("_event_id"),
      col("dt", "DATE"),
    ]);
    // A column the new version drops stays where it was: old files still hold it.
    expect(evolveColumns([col("paid", "BOOLEAN"), col("_event_id")])(registered).map((c) => c.name)).toEqual([
      "ts",
      "paid",
      "amount",
      "_event_id",
    ]);
  });
});
