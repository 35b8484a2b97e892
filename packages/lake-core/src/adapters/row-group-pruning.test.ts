import { describe, expect, it } from "vitest";
import { parameterLiteral } from "./duckdb-planning-sql";
import { fileRead, mayMatch } from "./row-group-pruning";

const DAY = (iso: string) =>
  Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000;
const constant = (id: string, value: unknown) => ({ type: { id, type_info: null }, is_null: false, value });
const compare = (op: string, id: string, value: unknown) => ({
  filter_type: "CONSTANT_COMPARISON",
  comparison_type: op,
  constant: constant(id, value),
});
const bounds = (
  min: number | string | undefined,
  max: number | string | undefined,
  nulls = 0,
  rows = 10,
) => ({
  rows,
  min,
  max,
  nulls,
});

describe("row-group pruning by min and max", () => {
  it("skips a row group only when its bounds rule every row out", () => {
    const b = bounds(10, 20);
    expect(mayMatch(compare("COMPARE_EQUAL", "BIGINT", 15), "BIGINT", b)).toBe(true);
    expect(mayMatch(compare("COMPARE_EQUAL", "BIGINT", 21), "BIGINT", b)).toBe(false);
    expect(mayMatch(compare("COMPARE_LESSTHAN", "BIGINT", 10), "BIGINT", b)).toBe(false);
    expect(mayMatch(compare("COMPARE_LESSTHANOREQUALTO", "BIGINT", 10), "BIGINT", b)).toBe(true);
    expect(mayMatch(compare("COMPARE_GREATERTHAN", "BIGINT", 20), "BIGINT", b)).toBe(false);
    expect(mayMatch(compare("COMPARE_GREATERTHANOREQUALTO", "BIGINT", 20), "BIGINT", b)).toBe(true);
    expect(mayMatch(compare("COMPARE_NOTEQUAL", "BIGINT", 10), "BIGINT", bounds(10, 10))).toBe(false);
  });

  it("reads AND, OR, IN, optional and null filters as DuckDB does", () => {
    const b = bounds(10, 20, 0);
    const and = {
      filter_type: "CONJUNCTION_AND",
      child_filters: [compare("COMPARE_GREATERTHAN", "BIGINT", 5), compare("COMPARE_LESSTHAN", "BIGINT", 9)],
    };
    const or = {
      filter_type: "CONJUNCTION_OR",
      child_filters: [compare("COMPARE_EQUAL", "BIGINT", 1), compare("COMPARE_EQUAL", "BIGINT", 12)],
    };
    const inList = { filter_type: "IN_FILTER", values: [constant("BIGINT", 1), constant("BIGINT", 30)] };
    expect(mayMatch(and, "BIGINT", b)).toBe(false);
    expect(mayMatch(or, "BIGINT", b)).toBe(true);
    expect(mayMatch({ filter_type: "OPTIONAL_FILTER", child_filter: inList }, "BIGINT", b)).toBe(false);
    expect(mayMatch({ filter_type: "IS_NULL" }, "BIGINT", b)).toBe(false);
    expect(mayMatch({ filter_type: "IS_NOT_NULL" }, "BIGINT", bounds(undefined, undefined, 10))).toBe(false);
    expect(mayMatch(compare("COMPARE_EQUAL", "BIGINT", 15), "BIGINT", bounds(undefined, undefined, 10))).toBe(
      false,
    );
  });

  it("keeps every row group for filters decided only while running, and for unknown bounds", () => {
    expect(mayMatch({ filter_type: "DYNAMIC_FILTER" }, "BIGINT", bounds(10, 20))).toBe(true);
    expect(mayMatch({ filter_type: "EXPRESSION_FILTER" }, "BIGINT", bounds(10, 20))).toBe(true);
    expect(
      mayMatch(compare("COMPARE_EQUAL", "BIGINT", 99), "BIGINT", bounds(undefined, undefined, undefined)),
    ).toBe(true);
  });

  it("orders dates, timestamps and strings as DuckDB does", () => {
    const stats = (min: string, max: string) => ({
      columns: {
        dt: { bytes: 10, min, max, nulls: 0 },
        t: { bytes: 100, min: `${min} 10:00:00.5+00`, max: `${max} 23:59:59+00`, nulls: 0 },
        s: { bytes: 1000, min: "a", max: "é", nulls: 0 },
      },
    });
    const file = stats("2024-05-02", "2024-05-02");
    const scan = (column: string, type: string, filter: unknown) => ({
      columns: ["s", column],
      filters: [{ column, type, filter: filter as Record<string, unknown> }],
    });
    expect(
      fileRead(scan("dt", "DATE", compare("COMPARE_EQUAL", "DATE", DAY("2024-05-02"))), file, 5).bytes,
    ).toBe(1010);
    expect(
      fileRead(scan("dt", "DATE", compare("COMPARE_EQUAL", "DATE", DAY("2024-05-03"))), file, 5).bytes,
    ).toBe(0);
    const micros = (iso: string) => Date.parse(iso) * 1000;
    const tz = "TIMESTAMP WITH TIME ZONE";
    expect(
      fileRead(scan("t", tz, compare("COMPARE_LESSTHAN", tz, micros("2024-05-02T10:00:00.5Z"))), file, 5)
        .rowGroupsRead,
    ).toBe(0);
    expect(
      fileRead(scan("t", tz, compare("COMPARE_LESSTHAN", tz, micros("2024-05-02T10:00:00.501Z"))), file, 5)
        .rowGroupsRead,
    ).toBe(1);
    // "z" sorts before "é" by UTF-8 bytes, as in DuckDB.
    expect(
      fileRead(scan("s", "VARCHAR", compare("COMPARE_EQUAL", "VARCHAR", "z")), file, 5).rowGroupsRead,
    ).toBe(1);
    expect(
      fileRead(scan("s", "VARCHAR", compare("COMPARE_GREATERTHAN", "VARCHAR", "é")), file, 5).rowGroupsRead,
    ).toBe(0);
  });

  it("reads a column the file does not hold as NULL in every row", () => {
    const file = { columns: { id: { bytes: 40, min: "1", max: "9", nulls: 0 } } };
    const scan = {
      columns: ["id", "coupon"],
      filters: [{ column: "coupon", type: "VARCHAR", filter: compare("COMPARE_EQUAL", "VARCHAR", "X") }],
    };
    expect(fileRead(scan, file, 9)).toEqual({ rowGroupsRead: 0, rowGroupsTotal: 1, bytes: 0 });
  });
});

describe("parameter values as literals for planning", () => {
  it("types each value as the engine binds it", () => {
    expect(parameterLiteral({ type: "date", value: "2024-05-01" })).toBe("DATE '2024-05-01'");
    expect(parameterLiteral({ type: "number", value: 3 })).toBe("CAST(3 AS BIGINT)");
    expect(parameterLiteral({ type: "number", value: 1.5 })).toBe("CAST(1.5 AS DOUBLE)");
    expect(parameterLiteral({ type: "text", value: "it's" })).toBe("'it''s'");
    expect(parameterLiteral({ type: "list", items: "number", value: [1, 2] })).toBe(
      "CAST([1, 2] AS BIGINT[])",
    );
    expect(parameterLiteral({ type: "list", items: "text", value: ["a", "b"] })).toBe("['a', 'b']");
    expect(parameterLiteral("2024-05-01")).toBe("'2024-05-01'");
    expect(parameterLiteral({ nested: true })).toBeUndefined();
    expect(parameterLiteral(undefined)).toBeUndefined();
  });
});
