// Which rule holds for a role on a column: the column's own rule and the rules on its tags, the
// strictest winning; with none, the table's or a tag's default. And what a reader with several roles
// may see of a table (TableAccess), or nothing to restrict at all.
import type { ColumnRule, RoleView, TableAccess, TablePolicies } from "../ports/access-policy";

/**
 * How much a rule hides: deny hides the column; a full or fixed mask leaves only whether the value is
 * null; a hash keeps equality (joins, counts of distinct values); keeping the last N characters shows
 * some of the value (fewer characters is stricter); allow hides nothing.
 */
export function ruleStrictness(rule: ColumnRule): number {
  switch (rule.action) {
    case "deny":
      return 1000;
    case "mask":
      if (rule.mask.style === "last") return 100 - Math.min(rule.mask.keep, 99);
      return rule.mask.style === "full" ? 900 : 899;
    case "hash":
      return 500;
    case "allow":
      return 0;
  }
}

/** The stricter of two rules (the first when they are as strict). */
export function stricterRule(a: ColumnRule, b: ColumnRule): ColumnRule {
  return ruleStrictness(b) > ruleStrictness(a) ? b : a;
}

/** A rule as people read it: "allow", "deny", "mask (last 4)", "mask (fixed: n/a)", "hash". */
export function describeRule(rule: ColumnRule): string {
  if (rule.action !== "mask") return rule.action;
  if (rule.mask.style === "full") return "mask";
  if (rule.mask.style === "last") return `mask (keep last ${rule.mask.keep})`;
  return `mask (replace with "${rule.mask.replacement}")`;
}

/** Where a rule on a column comes from. */
export type RuleOrigin =
  | { kind: "column" }
  | { kind: "tag"; tag: string }
  | { kind: "table-default" }
  | { kind: "tag-default"; tag: string }
  | { kind: "none" };

export function describeOrigin(origin: RuleOrigin): string {
  switch (origin.kind) {
    case "column":
      return "the column's rule";
    case "tag":
      return `the rule on tag ${origin.tag}`;
    case "table-default":
      return "the table's default for columns without a rule";
    case "tag-default":
      return `tag ${origin.tag}'s default for columns without a rule`;
    case "none":
      return "no rule (allowed)";
  }
}

export interface ResolvedRule {
  rule: ColumnRule;
  origin: RuleOrigin;
  /** The less strict rules that also cover the column for this role and lost to `rule`. */
  overridden: { rule: ColumnRule; origin: RuleOrigin }[];
}

const ALLOW: ColumnRule = { action: "allow" };
const DENY: ColumnRule = { action: "deny" };

/** The rule that holds for `role` on `column` of the table (column names match case-insensitively). */
export function resolveColumnRule(policies: TablePolicies, role: string, column: string): ResolvedRule {
  const name = column.toLowerCase();
  const candidates: { rule: ColumnRule; origin: RuleOrigin }[] = [];
  for (const r of policies.columnRules) {
    if (r.role === role && r.column.toLowerCase() === name)
      candidates.push({ rule: r.rule, origin: { kind: "column" } });
  }
  const tags = policies.columnTags.filter((t) => t.column.toLowerCase() === name).map((t) => t.tag);
  for (const r of policies.tagRules) {
    if (r.role === role && tags.includes(r.tag))
      candidates.push({ rule: r.rule, origin: { kind: "tag", tag: r.tag } });
  }
  if (candidates.length === 0) {
    const denyingTag = tags.find((t) => policies.defaultDenyTags.includes(t));
    if (denyingTag) return { rule: DENY, origin: { kind: "tag-default", tag: denyingTag }, overridden: [] };
    if (policies.denyUnruledColumns) return { rule: DENY, origin: { kind: "table-default" }, overridden: [] };
    return { rule: ALLOW, origin: { kind: "none" }, overridden: [] };
  }
  let winner = candidates[0]!;
  for (const c of candidates.slice(1)) if (ruleStrictness(c.rule) > ruleStrictness(winner.rule)) winner = c;
  return { ...winner, overridden: candidates.filter((c) => c !== winner) };
}

/** The row filter set for `role`, or null. */
export function rowFilterOf(policies: TablePolicies, role: string): string | null {
  return policies.rowFilters.find((f) => f.role === role)?.predicate ?? null;
}

/** What `role` sees of a table with these columns. */
export function roleView(policies: TablePolicies, role: string, columns: readonly string[]): RoleView {
  return {
    role,
    rowFilter: rowFilterOf(policies, role),
    columns: Object.fromEntries(columns.map((c) => [c, resolveColumnRule(policies, role, c).rule])),
  };
}

/**
 * What a reader with `roles` may see of a table with these columns, or undefined when nothing is
 * restricted for them: one of their roles sees every column as it is and every row. A reader with no
 * role sees nothing of a table that has any policy.
 */
export function tableAccessFor(
  policies: TablePolicies | undefined,
  roles: readonly string[],
  columns: readonly string[],
): TableAccess | undefined {
  if (!policies || !hasAnyPolicy(policies)) return undefined;
  const views = [...new Set(roles)].map((role) => roleView(policies, role, columns));
  const open = views.some(
    (v) => v.rowFilter === null && Object.values(v.columns).every((r) => r.action === "allow"),
  );
  if (open) return undefined;
  if (views.length === 0) {
    return {
      roles: [{ role: "", rowFilter: "false", columns: Object.fromEntries(columns.map((c) => [c, DENY])) }],
    };
  }
  return { roles: views };
}

/** Whether anything restricts anyone on this table. */
export function hasAnyPolicy(p: TablePolicies): boolean {
  return (
    p.denyUnruledColumns ||
    p.rowFilters.length > 0 ||
    p.columnRules.some((r) => r.rule.action !== "allow") ||
    (p.columnTags.length > 0 &&
      (p.tagRules.some((r) => r.rule.action !== "allow") ||
        p.columnTags.some((t) => p.defaultDenyTags.includes(t.tag))))
  );
}

/** The columns no role of the reader may see (they do not exist for them). */
export function hiddenColumns(access: TableAccess | undefined): Set<string> {
  const hidden = new Set<string>();
  if (!access) return hidden;
  const first = access.roles[0];
  for (const column of Object.keys(first?.columns ?? {})) {
    if (access.roles.every((v) => v.columns[column]?.action === "deny")) hidden.add(column);
  }
  return hidden;
}

/** The rule a reader sees a column under when every row shows it the same way; the least strict. */
export function visibleRule(access: TableAccess | undefined, column: string): ColumnRule {
  if (!access) return ALLOW;
  let least: ColumnRule | undefined;
  for (const v of access.roles) {
    const r = v.columns[column] ?? ALLOW;
    if (!least || ruleStrictness(r) < ruleStrictness(least)) least = r;
  }
  return least ?? DENY;
}
