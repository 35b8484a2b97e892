import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { CheckResult } from "./check-result";
import type { SchemaCheck } from "./schema-registry-outputs";

const base: SchemaCheck = {
  slug: "orders",
  compatibility: "backward",
  nextVersion: 2,
  activeVersion: 1,
  identical: false,
  compatible: true,
  problems: [],
  changes: [],
  columnsAdded: [],
  columnsRetyped: [],
  impact: [],
};

/** The markup's text, tags dropped and entities decoded, so assertions read like the page. */
function textOf(check: SchemaCheck): string {
  return renderToStaticMarkup(<CheckResult check={check} />)
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, " ");
}

describe("CheckResult", () => {
  it("names the field, the change and the rule of each problem", () => {
    const text = textOf({
      ...base,
      compatible: false,
      problems: [
        {
          path: "/amount",
          field: "amount",
          change: "type changed from number to integer",
          rule: "BACKWARD: events valid under version 1 must stay valid",
          version: 1,
          reason:
            "BACKWARD forbids narrowing a type, since events written with version 1 would no longer validate",
          message: "",
        },
      ],
      changes: [
        {
          kind: "retyped",
          path: "/amount",
          field: "amount",
          description: "type changed from number to integer",
          effect: "narrows",
        },
      ],
    });
    expect(text).toContain("Not compatible under BACKWARD: version 2 would be refused.");
    expect(text).toContain(
      "Field amount Change type changed from number to integer Rule BACKWARD: events valid",
    );
    expect(text).toContain("BACKWARD forbids narrowing a type");
    expect(text).toContain("Retyped amount type changed from number to integer · accepts fewer events");
  });

  it("says a compatible version can be registered and shows empty states for columns and impact", () => {
    const text = textOf({
      ...base,
      changes: [
        {
          kind: "added",
          path: "/coupon",
          field: "coupon",
          description: "added, optional (string)",
          effect: "neutral",
        },
      ],
      columnsAdded: [
        {
          name: "coupon",
          type: "VARCHAR",
          tags: [],
          access: [
            {
              roles: ["admin", "engineer", "governance", "analyst", "oncall"],
              allRoles: true,
              rule: { action: "allow" },
              ruleText: "allow",
              origin: { kind: "none" },
            },
          ],
        },
      ],
    });
    expect(text).toContain("Compatible under BACKWARD: it can be registered as version 2.");
    expect(text).toContain("coupon VARCHAR added");
    expect(text).toContain("all roles: allow (no rule)");
    expect(text).toContain("No existing column is changed or removed");
    expect(textOf(base)).toContain("No changes in meaning");
    expect(textOf(base)).toContain("No column is added or retyped.");
    expect(textOf({ ...base, identical: true })).toContain("Identical to version 1");
  });

  it("lists what reads each changed column, with an empty state per list", () => {
    const text = textOf({
      ...base,
      impact: [
        {
          column: "amount",
          changes: ["type changed from number to integer"],
          removed: false,
          savedQueries: [{ id: "q1", name: "Revenue by day", owner: "a@inlet.local" }],
          analyticsTables: [],
          columnPolicies: [{ role: "analyst", action: "mask" }],
          rowFilters: [],
        },
      ],
    });
    expect(text).toContain("Saved queries Revenue by day (a@inlet.local)");
    expect(text).toContain("Analytics tables None reference amount.");
    expect(text).toContain("Column policies analyst: mask");
    expect(text).toContain("Row filters None reference amount.");
  });

  it("shows each added column's tags and the rule each role would get, saying where it comes from", () => {
    const text = textOf({
      ...base,
      columnsAdded: [
        {
          name: "phone",
          type: "VARCHAR",
          tags: ["pii"],
          access: [
            {
              roles: ["admin", "engineer", "governance", "oncall"],
              allRoles: false,
              rule: { action: "deny" },
              ruleText: "deny",
              origin: { kind: "table-default" },
            },
            {
              roles: ["analyst"],
              allRoles: false,
              rule: { action: "mask", mask: { style: "full" } },
              ruleText: "mask",
              origin: { kind: "tag", tag: "pii" },
            },
          ],
        },
      ],
    });
    expect(text).toContain("phone VARCHAR added");
    expect(text).toContain("Tags from the schema: pii.");
    expect(text).toContain(
      "admin, engineer, governance, oncall: deny (the table denies columns without a rule)",
    );
    expect(text).toContain("analyst: mask (tag pii)");
  });
});
