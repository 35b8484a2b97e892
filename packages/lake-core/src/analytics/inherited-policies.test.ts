import { describe, expect, it } from "vitest";
import type { TablePolicies } from "../ports/access-policy";
import { resolveColumnRule, tableAccessFor } from "../query/access-rules";
import type { ColumnLineage } from "./column-lineage";
import { type AnalyticsInput, inheritedPolicies } from "./inherited-policies";

function policies(table: string, over: Partial<TablePolicies> = {}): TablePolicies {
  return {
    tableId: `id-${table}`,
    table,
    denyUnruledColumns: false,
    columnRules: [],
    columnTags: [],
    tagRules: [],
    defaultDenyTags: [],
    rowFilters: [],
    ...over,
  };
}

const OWN = policies("analytics.daily");
const PEOPLE_COLUMNS = ["id", "email", "ssn", "region"];

function people(over: Partial<TablePolicies> = {}): AnalyticsInput {
  return { name: "curated.people", columns: PEOPLE_COLUMNS, policies: policies("curated.people", over) };
}

/** Lineage from `column: [input columns of curated.people]`. */
function lineage(columns: Record<string, string[]>): ColumnLineage {
  return {
    columns: Object.entries(columns).map(([name, from]) => ({
      name,
      sources: from.map((column) => ({ table: "curated.people", column })),
    })),
  };
}

function ruleFor(p: TablePolicies, role: string, column: string): string {
  const r = resolveColumnRule(p, role, column);
  const origin = r.origin.kind === "tag" ? `tag ${r.origin.tag}` : r.origin.kind;
  return `${r.rule.action} (${origin})`;
}

describe("an analytics table's inherited policies", () => {
  const pii = people({
    columnTags: [{ column: "email", tag: "pii" }],
    tagRules: [{ tag: "pii", role: "analyst", rule: { action: "mask", mask: { style: "full" } } }],
    columnRules: [{ role: "analyst", column: "ssn", rule: { action: "deny" } }],
    rowFilters: [{ role: "analyst", predicate: "region <> 'hidden'" }],
  });

  it("carries each input column's rules and tags onto the columns computed from it", () => {
    const p = inheritedPolicies({
      own: OWN,
      columns: ["e", "region", "n", "ssn_tail"],
      inputs: [pii],
      lineage: lineage({ e: ["email"], region: ["region"], n: [], ssn_tail: ["ssn"] }),
    });
    expect(ruleFor(p, "analyst", "e")).toBe("mask (tag pii)");
    expect(ruleFor(p, "analyst", "ssn_tail")).toBe("deny (column)");
    expect(ruleFor(p, "analyst", "region")).toBe("allow (none)");
    expect(ruleFor(p, "analyst", "n")).toBe("allow (none)");
    expect(ruleFor(p, "oncall", "e")).toBe("allow (none)");
    expect(p.columnTags).toEqual([{ column: "e", tag: "pii" }]);
    // The input's row filter does not choose the analytics table's rows: the role it holds sees none.
    expect(p.rowFilters).toEqual([{ role: "analyst", predicate: "false" }]);
  });

  it("gives a role an input's row filter holds no rows, until the table's own filter for it", () => {
    const input = (predicate: string, role = "analyst") => people({ rowFilters: [{ role, predicate }] });
    const held = inheritedPolicies({
      own: OWN,
      columns: ["region", "n"],
      inputs: [input("region = 'eu'"), input("region <> 'x'", "oncall")],
      lineage: lineage({ region: ["region"], n: [] }),
    });
    expect(held.rowFilters).toEqual([
      { role: "analyst", predicate: "false" },
      { role: "oncall", predicate: "false" },
    ]);
    const opened = inheritedPolicies({
      own: { ...OWN, rowFilters: [{ role: "analyst", predicate: "region = 'eu'" }] },
      columns: ["region", "n"],
      inputs: [input("region = 'eu'")],
      lineage: lineage({ region: ["region"], n: [] }),
    });
    expect(opened.rowFilters).toEqual([{ role: "analyst", predicate: "region = 'eu'" }]);
  });

  it("keeps the strictest of the input columns a column is computed from, over the table's own rules", () => {
    const p = inheritedPolicies({
      own: { ...OWN, columnRules: [{ role: "analyst", column: "mixed", rule: { action: "allow" } }] },
      columns: ["mixed"],
      inputs: [pii],
      lineage: lineage({ mixed: ["email", "region"] }),
    });
    expect(ruleFor(p, "analyst", "mixed")).toBe("mask (tag pii)");
  });

  it("writes out a deny an input column gets by default, so another rule cannot loosen it", () => {
    const strict = people({
      denyUnruledColumns: true,
      columnRules: [{ role: "analyst", column: "email", rule: { action: "allow" } }],
    });
    const p = inheritedPolicies({
      own: OWN,
      columns: ["both", "just_email", "count"],
      inputs: [strict],
      lineage: lineage({ both: ["email", "ssn"], just_email: ["email"], count: [] }),
    });
    // ssn has no rule, so its table denies it: the analyst's allow on email does not reach `both`.
    expect(ruleFor(p, "analyst", "both")).toBe("deny (column)");
    expect(ruleFor(p, "analyst", "just_email")).toBe("allow (column)");
    // The table's default comes along for roles no rule names.
    expect(p.denyUnruledColumns).toBe(true);
    expect(ruleFor(p, "oncall", "just_email")).toBe("deny (table-default)");
  });

  it("carries a tag's default deny", () => {
    const p = inheritedPolicies({
      own: OWN,
      columns: ["x", "y"],
      inputs: [people({ columnTags: [{ column: "ssn", tag: "secret" }], defaultDenyTags: ["secret"] })],
      lineage: lineage({ x: ["ssn"], y: ["id"] }),
    });
    expect(ruleFor(p, "analyst", "x")).toBe("deny (tag-default)");
    expect(ruleFor(p, "analyst", "y")).toBe("allow (none)");
  });

  it("makes every column inherit every input column when the lineage is unknown", () => {
    const p = inheritedPolicies({ own: OWN, columns: ["a", "b"], inputs: [pii], lineage: undefined });
    expect(ruleFor(p, "analyst", "a")).toBe("deny (column)");
    expect(ruleFor(p, "analyst", "b")).toBe("deny (column)");
    expect(ruleFor(p, "oncall", "b")).toBe("allow (none)");
  });

  it("reads a column traced to a table that is not an input as computed from every input column", () => {
    const p = inheritedPolicies({
      own: OWN,
      columns: ["a"],
      inputs: [pii],
      lineage: { columns: [{ name: "a", sources: [{ table: "curated.other", column: "x" }] }] },
    });
    expect(ruleFor(p, "analyst", "a")).toBe("deny (column)");
  });

  it("hides columns without a rule when an input is gone", () => {
    const p = inheritedPolicies({
      own: OWN,
      columns: ["a"],
      inputs: [{ name: "curated.gone", columns: [], policies: undefined }],
      lineage: undefined,
    });
    expect(p.denyUnruledColumns).toBe(true);
    expect(tableAccessFor(p, ["analyst"], ["a"])?.roles[0]?.columns.a).toEqual({ action: "deny" });
  });

  it("leaves a table over inputs without policies open", () => {
    const p = inheritedPolicies({
      own: OWN,
      columns: ["a"],
      inputs: [people()],
      lineage: lineage({ a: ["email"] }),
    });
    expect(tableAccessFor(p, ["analyst"], ["a"])).toBeUndefined();
  });
});
