import { describe, expect, it } from "vitest";
import { completionSchema } from "./completion-schema";
import { editorMark } from "./editor-mark";
import { formatSql } from "./format-sql";
import { historyFilters, NO_FILTERS, parametersText } from "./history-filters";
import { sortedRowIndexes } from "./result-sort";
import { groupByFolder } from "./saved-query-folders";
import { offsetOf, sqlErrorPosition, withoutPosition } from "./sql-error-position";

describe("an error's place in the SQL", () => {
  it("reads the line and column the API names, and turns them into an offset", () => {
    const message = 'syntax error at or near "FORM" (line 2, column 3)';
    expect(sqlErrorPosition(message)).toEqual({ line: 2, column: 3 });
    expect(offsetOf("SELECT 1\n  FORM t", { line: 2, column: 3 })).toBe(11);
    expect(offsetOf("x", { line: 9, column: 9 })).toBe(1);
    expect(withoutPosition(message)).toBe('syntax error at or near "FORM"');
    expect(sqlErrorPosition("unknown table curated.nope")).toBeUndefined();
  });
});

describe("completion of tables and columns", () => {
  it("nests tables under their zone with each column's type", () => {
    expect(
      completionSchema([{ name: "curated.orders", columns: [{ name: "amount", type: "DOUBLE" }] }]),
    ).toEqual({ curated: { orders: [{ label: "amount", type: "property", detail: "DOUBLE" }] } });
  });
});

describe("sorting a result", () => {
  const rows = [{ n: "10" }, { n: null }, { n: "9" }, { n: "100" }];

  it("sorts numbers sent as text by value, NULLs last either way", () => {
    expect(sortedRowIndexes(rows, "n", "BIGINT", "asc")).toEqual([2, 0, 3, 1]);
    expect(sortedRowIndexes(rows, "n", "BIGINT", "desc")).toEqual([3, 0, 2, 1]);
  });

  it("sorts text in natural order", () => {
    expect(sortedRowIndexes([{ s: "b10" }, { s: "b9" }, { s: "A" }], "s", "VARCHAR", "asc")).toEqual([
      2, 1, 0,
    ]);
  });
});

describe("the saved-queries side list", () => {
  const item = (name: string, folder: string, mine: boolean) => ({
    id: name,
    name,
    description: "",
    folder,
    mine,
    owner: { email: mine ? "me@x" : "them@x" },
  });
  const items = [
    item("b", "finance", true),
    item("a", "", true),
    item("c", "finance", true),
    item("d", "", false),
  ];

  it("groups mine by folder, the top level first; shared apart; filtered by text", () => {
    expect(groupByFolder(items, "mine").map((g) => [g.folder, g.items.map((i) => i.name)])).toEqual([
      ["", ["a"]],
      ["finance", ["b", "c"]],
    ]);
    expect(groupByFolder(items, "shared").map((g) => g.items.map((i) => i.name))).toEqual([["d"]]);
    expect(groupByFolder(items, "mine", "FIN").map((g) => g.folder)).toEqual(["finance"]);
  });
});

describe("Format", () => {
  it("lays the SQL out with upper-case keywords and keeps {{name}} parameters", () => {
    const out = formatSql("select count(*) as n from curated.orders where cast(time as date) = {{day}}");
    expect(out).toEqual({
      ok: true,
      sql: "SELECT\n  count(*) AS n\nFROM\n  curated.orders\nWHERE\n  cast(time AS date) = {{day}}",
    });
  });

  it("leaves SQL it cannot read alone, saying why in one line", () => {
    const out = formatSql("select (");
    expect(out).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^Could not format this SQL: Parse error/),
    });
    expect(out.ok ? "" : out.problem).not.toContain("\n");
  });
});

describe("the editor's underline for an error", () => {
  it("spans the word at the line and column the message names", () => {
    expect(editorMark("SELECT 1\nFORM t", 'syntax error at or near "FORM" (line 2, column 1)')).toEqual({
      from: 9,
      to: 13,
      message: 'syntax error at or near "FORM"',
    });
    expect(editorMark("SELECT 1", "unknown table curated.nope")).toBeUndefined();
  });
});

describe("history filters", () => {
  it("drops blanks, keeps the user filter for admins only, and includes the whole 'to' day", () => {
    const form = {
      ...NO_FILTERS,
      status: "failed" as const,
      text: "  orders ",
      user: "ana",
      from: "2024-05-01",
      to: "2024-05-02",
    };
    expect(historyFilters(form, true)).toEqual({
      status: "failed",
      text: "orders",
      user: "ana",
      from: new Date("2024-05-01T00:00:00Z"),
      to: new Date("2024-05-03T00:00:00Z"),
    });
    expect(historyFilters(form, false).user).toBeUndefined();
    expect(historyFilters(NO_FILTERS, true)).toEqual({});
  });

  it("writes parameter values on one line", () => {
    expect(parametersText({ day: "2024-05-01", ids: [1, 2] })).toBe("day=2024-05-01, ids=[1,2]");
    expect(parametersText({})).toBe("");
  });
});
