import { describe, expect, it } from "vitest";
import {
  choiceOf,
  type Draft,
  draftChanges,
  draftInput,
  effectiveNote,
  normalizeTag,
  resolveRule,
  ruleOfChoice,
  ruleProblem,
  type TagRules,
} from "./policy-draft";

const COLUMNS = ["id", "email", "amount"];

function draft(over: Partial<Draft> = {}): Draft {
  return {
    rules: { id: {}, email: {}, amount: {} },
    rowFilters: { admin: "", engineer: "", governance: "", analyst: "", oncall: "" },
    tags: { id: [], email: [], amount: [] },
    denyUnruledColumns: false,
    ...over,
  };
}

const TAGS: TagRules[] = [
  {
    name: "pii",
    defaultDeny: false,
    rules: [{ role: "analyst", rule: { action: "mask", mask: { style: "full" } } }],
  },
  { name: "financial", defaultDeny: true, rules: [{ role: "analyst", rule: null }] },
];

describe("resolveRule", () => {
  it("the stricter of the column's rule and its tags' rules wins, and names what it overrode", () => {
    const d = draft({
      rules: { id: {}, email: { analyst: { action: "allow" } }, amount: {} },
      tags: { id: [], email: ["pii"], amount: [] },
    });
    const resolved = resolveRule(d, TAGS, "email", "analyst");
    expect(resolved).toEqual({
      rule: { action: "mask", mask: { style: "full" } },
      origin: { kind: "tag", tag: "pii" },
      overridden: [{ rule: { action: "allow" }, origin: { kind: "column" } }],
    });
    expect(effectiveNote({ action: "allow" }, resolved)).toBe("masked by tag pii (overrides allow)");

    const denied = draft({
      rules: { id: {}, email: { analyst: { action: "deny" } }, amount: {} },
      tags: { id: [], email: ["pii"], amount: [] },
    });
    expect(resolveRule(denied, TAGS, "email", "analyst").origin).toEqual({ kind: "column" });
    expect(effectiveNote({ action: "deny" }, resolveRule(denied, TAGS, "email", "analyst"))).toBeUndefined();
  });

  it("keeping fewer characters is stricter than keeping more", () => {
    const d = draft({
      rules: { id: {}, email: { analyst: { action: "mask", mask: { style: "last", keep: 2 } } }, amount: {} },
      tags: { id: [], email: ["pii"], amount: [] },
    });
    const tags: TagRules[] = [
      {
        name: "pii",
        defaultDeny: false,
        rules: [{ role: "analyst", rule: { action: "mask", mask: { style: "last", keep: 6 } } }],
      },
    ];
    expect(resolveRule(d, tags, "email", "analyst").origin).toEqual({ kind: "column" });
  });

  it("without a rule: a tag's default deny, then the table's default, else allowed", () => {
    const d = draft({ tags: { id: [], email: [], amount: ["financial"] } });
    expect(resolveRule(d, TAGS, "amount", "analyst").origin).toEqual({
      kind: "tag-default",
      tag: "financial",
    });
    expect(resolveRule(d, TAGS, "id", "analyst")).toEqual({
      rule: { action: "allow" },
      origin: { kind: "none" },
      overridden: [],
    });
    const closed = { ...d, denyUnruledColumns: true };
    expect(effectiveNote(undefined, resolveRule(closed, TAGS, "id", "analyst"))).toBe(
      "denied by the table's default",
    );
  });
});

describe("draftInput and draftChanges", () => {
  it("sends only what is set, and maps the API's field paths back to the cell, filter or column", () => {
    const d = draft({
      rules: { id: { oncall: { action: "hash" } }, email: { analyst: { action: "deny" } }, amount: {} },
      rowFilters: { admin: "", engineer: "", governance: "", analyst: " region = 'eu' ", oncall: "" },
      tags: { id: [], email: ["pii"], amount: [] },
    });
    const { input, targets } = draftInput(d, COLUMNS);
    expect(input).toEqual({
      columnRules: [
        { column: "id", role: "oncall", rule: { action: "hash" } },
        { column: "email", role: "analyst", rule: { action: "deny" } },
      ],
      rowFilters: [{ role: "analyst", predicate: "region = 'eu'" }],
      columnTags: [{ column: "email", tags: ["pii"] }],
      denyUnruledColumns: false,
    });
    expect(targets("columnRules.1.rule.mask.keep")).toEqual({
      kind: "rule",
      column: "email",
      role: "analyst",
    });
    expect(targets("rowFilters.0.predicate")).toEqual({ kind: "filter", role: "analyst" });
    expect(targets("columnTags.0.tags.0")).toEqual({ kind: "tags", column: "email" });
    expect(targets("reason")).toBeUndefined();
  });

  it("lists each change before → after", () => {
    const saved = draft();
    const edited = draft({
      rules: { id: {}, email: { analyst: { action: "mask", mask: { style: "last", keep: 4 } } }, amount: {} },
      rowFilters: { admin: "", engineer: "", governance: "", analyst: "region = 'eu'", oncall: "" },
      tags: { id: [], email: ["pii", "email"], amount: [] },
      denyUnruledColumns: true,
    });
    expect(draftChanges(saved, edited, COLUMNS).map((c) => [c.what, c.before, c.after])).toEqual([
      ["Columns without a rule", "allowed", "denied"],
      ["Tags · email", "no tags", "email, pii"],
      ["email · Analyst", "no rule", "mask (keep last 4)"],
      ["Row filter · Analyst", "every row", "region = 'eu'"],
    ]);
    expect(draftChanges(edited, edited, COLUMNS)).toEqual([]);
  });
});

describe("rule choices", () => {
  it("round-trips each choice and keeps N or the replacement when switching back", () => {
    for (const choice of ["", "allow", "deny", "mask", "last", "fixed", "hash"] as const) {
      expect(choiceOf(ruleOfChoice(choice, null))).toBe(choice);
    }
    expect(ruleOfChoice("last", { action: "mask", mask: { style: "last", keep: 7 } })).toEqual({
      action: "mask",
      mask: { style: "last", keep: 7 },
    });
    expect(ruleProblem({ action: "mask", mask: { style: "last", keep: 0 } })).toMatch(/1 to 64/);
    expect(ruleProblem({ action: "mask", mask: { style: "last", keep: 64 } })).toBeUndefined();
    expect(ruleProblem({ action: "mask", mask: { style: "fixed", replacement: "x".repeat(201) } })).toMatch(
      /200/,
    );
  });

  it("normalizes tags and refuses what is not a name", () => {
    expect(normalizeTag(" PII ")).toEqual({ tag: "pii" });
    expect(normalizeTag("1bad")).toHaveProperty("problem");
    expect(normalizeTag("has space")).toHaveProperty("problem");
  });
});
