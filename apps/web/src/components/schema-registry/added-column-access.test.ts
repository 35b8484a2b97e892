import { describe, expect, it } from "vitest";
import { type AddedColumnAccess, accessLine, originText } from "./added-column-access";

const ALL = ["admin", "engineer", "governance", "analyst", "oncall"];

function entry(over: Partial<AddedColumnAccess>): AddedColumnAccess {
  return {
    roles: ALL,
    allRoles: true,
    rule: { action: "allow" },
    ruleText: "allow",
    origin: { kind: "none" },
    ...over,
  } as AddedColumnAccess;
}

describe("the rule a role would get on an added column", () => {
  it("reads as who, the rule and where it comes from", () => {
    expect(accessLine(entry({}))).toBe("all roles: allow (no rule)");
    expect(
      accessLine(
        entry({
          roles: ["analyst"],
          allRoles: false,
          rule: { action: "mask", mask: { style: "full" } },
          ruleText: "mask",
          origin: { kind: "tag", tag: "pii" },
        }),
      ),
    ).toBe("analyst: mask (tag pii)");
    expect(
      accessLine(entry({ rule: { action: "deny" }, ruleText: "deny", origin: { kind: "table-default" } })),
    ).toBe("all roles: deny (the table denies columns without a rule)");
  });

  it("names each origin", () => {
    expect(originText({ kind: "column" })).toBe("column rule");
    expect(originText({ kind: "tag-default", tag: "secret" })).toBe(
      "tag secret denies columns without a rule",
    );
  });
});
