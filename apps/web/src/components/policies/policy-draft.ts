// A table's policy as it is being edited (the draft): made from the saved policy, turned into the
// API's save input (remembering which field path names which cell, so the API's complaints land beside
// it), compared with the saved policy change by change, and resolved per column and role as the query
// path resolves it (lake-core's resolveColumnRule: the column's rule and its tags' rules, the strictest
// winning; otherwise the table's or a tag's default), so an unsaved change shows its effect at once.
import { ROLE_LABELS, ROLES, type Role } from "@inlet/db/roles";
import type { ColumnRule, PolicyDraftInput, RuleOrigin, TablePolicy } from "./policy-types";

export interface Draft {
  /** Each column's own rule per role; a role missing has no rule. */
  rules: Record<string, Partial<Record<Role, ColumnRule>>>;
  /** Each role's row filter as typed; "" is none. */
  rowFilters: Record<Role, string>;
  /** Each column's tags. */
  tags: Record<string, string[]>;
  denyUnruledColumns: boolean;
}

/** What the resolution needs of a tag: its rule per role and its default. */
export interface TagRules {
  name: string;
  defaultDeny: boolean;
  rules: { role: Role; rule: ColumnRule | null }[];
}

export function draftOf(policy: TablePolicy): Draft {
  const rules: Draft["rules"] = {};
  const tags: Draft["tags"] = {};
  for (const column of policy.columns) {
    const own: Partial<Record<Role, ColumnRule>> = {};
    for (const cell of column.cells) if (cell.rule) own[cell.role] = cell.rule;
    rules[column.name] = own;
    tags[column.name] = [...column.tags];
  }
  const rowFilters = Object.fromEntries(ROLES.map((r) => [r, ""])) as Record<Role, string>;
  for (const f of policy.rowFilters) rowFilters[f.role] = f.predicate ?? "";
  return { rules, rowFilters, tags, denyUnruledColumns: policy.denyUnruledColumns };
}

/** Where a field the API names sits on the page. */
export type FieldTarget =
  | { kind: "rule"; column: string; role: Role }
  | { kind: "filter"; role: Role }
  | { kind: "tags"; column: string };

/** The draft as the API's save (and preview) input, and which input index is which cell, filter or column. */
export function draftInput(
  draft: Draft,
  columns: readonly string[],
): { input: PolicyDraftInput; targets: (path: string) => FieldTarget | undefined } {
  const columnRules: PolicyDraftInput["columnRules"] = [];
  const columnTags: PolicyDraftInput["columnTags"] = [];
  const rowFilters: PolicyDraftInput["rowFilters"] = [];
  for (const column of columns) {
    for (const role of ROLES) {
      const rule = draft.rules[column]?.[role];
      if (rule) columnRules.push({ column, role, rule });
    }
    const tags = draft.tags[column] ?? [];
    if (tags.length > 0) columnTags.push({ column, tags });
  }
  for (const role of ROLES) {
    const predicate = draft.rowFilters[role].trim();
    if (predicate) rowFilters.push({ role, predicate });
  }
  const targets = (path: string): FieldTarget | undefined => {
    const [list, index] = path.split(".");
    const i = Number(index);
    if (list === "columnRules") {
      const r = columnRules[i];
      return r ? { kind: "rule", column: r.column, role: r.role } : undefined;
    }
    if (list === "rowFilters") {
      const f = rowFilters[i];
      return f ? { kind: "filter", role: f.role } : undefined;
    }
    if (list === "columnTags") {
      const t = columnTags[i];
      return t ? { kind: "tags", column: t.column } : undefined;
    }
    return undefined;
  };
  return {
    input: { columnRules, rowFilters, columnTags, denyUnruledColumns: draft.denyUnruledColumns },
    targets,
  };
}

/** A field target as a key for maps of problems and highlights. */
export function targetKey(t: FieldTarget): string {
  return t.kind === "rule"
    ? `rule:${t.column}:${t.role}`
    : t.kind === "filter"
      ? `filter:${t.role}`
      : `tags:${t.column}`;
}

/** A rule as people read it: "allow", "deny", "mask", "mask (keep last 4)", "mask (replace with "n/a")", "hash". */
export function describeRule(rule: ColumnRule | null | undefined): string {
  if (!rule) return "no rule";
  if (rule.action !== "mask") return rule.action;
  if (rule.mask.style === "full") return "mask";
  if (rule.mask.style === "last") return `mask (keep last ${rule.mask.keep})`;
  return `mask (replace with "${rule.mask.replacement}")`;
}

export function sameRule(a: ColumnRule | null | undefined, b: ColumnRule | null | undefined): boolean {
  return describeRule(a) === describeRule(b);
}

/** How much a rule hides, as lake-core ranks it (ruleStrictness): higher wins. */
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

export interface Resolved {
  rule: ColumnRule;
  origin: RuleOrigin;
  overridden: { rule: ColumnRule; origin: RuleOrigin }[];
}

/** The rule that holds for `role` on `column` under the draft. */
export function resolveRule(draft: Draft, tags: readonly TagRules[], column: string, role: Role): Resolved {
  const candidates: { rule: ColumnRule; origin: RuleOrigin }[] = [];
  const own = draft.rules[column]?.[role];
  if (own) candidates.push({ rule: own, origin: { kind: "column" } });
  const carried = draft.tags[column] ?? [];
  for (const name of carried) {
    const rule = tags.find((t) => t.name === name)?.rules.find((r) => r.role === role)?.rule;
    if (rule) candidates.push({ rule, origin: { kind: "tag", tag: name } });
  }
  if (candidates.length === 0) {
    const denying = carried.find((name) => tags.find((t) => t.name === name)?.defaultDeny);
    if (denying)
      return { rule: { action: "deny" }, origin: { kind: "tag-default", tag: denying }, overridden: [] };
    if (draft.denyUnruledColumns)
      return { rule: { action: "deny" }, origin: { kind: "table-default" }, overridden: [] };
    return { rule: { action: "allow" }, origin: { kind: "none" }, overridden: [] };
  }
  let winner = candidates[0] as (typeof candidates)[number];
  for (const c of candidates.slice(1)) if (ruleStrictness(c.rule) > ruleStrictness(winner.rule)) winner = c;
  return { ...winner, overridden: candidates.filter((c) => c !== winner) };
}

function verb(rule: ColumnRule): string {
  if (rule.action === "deny") return "denied";
  if (rule.action === "hash") return "hashed";
  if (rule.action === "allow") return "allowed";
  if (rule.mask.style === "last") return `masked (last ${rule.mask.keep} shown)`;
  return rule.mask.style === "fixed" ? "replaced by a fixed text" : "masked";
}

function originText(origin: RuleOrigin): string {
  switch (origin.kind) {
    case "column":
      return "the column's rule";
    case "tag":
      return `tag ${origin.tag}`;
    case "table-default":
      return "the table's default";
    case "tag-default":
      return `tag ${origin.tag}'s default`;
    case "none":
      return "no rule";
  }
}

/**
 * What a cell says about the rule that holds when it is not the cell's own: "masked by tag pii
 * (overrides allow)", "denied by the table's default". Undefined when the cell's own rule holds, or
 * nothing covers the column (it is allowed).
 */
export function effectiveNote(own: ColumnRule | null | undefined, resolved: Resolved): string | undefined {
  if (resolved.origin.kind === "column" || resolved.origin.kind === "none") return undefined;
  const by = `${verb(resolved.rule)} by ${originText(resolved.origin)}`;
  return own ? `${by} (overrides ${describeRule(own)})` : by;
}

/** One difference between the saved policy and the draft. */
export interface DraftChange {
  target: FieldTarget | { kind: "default" };
  /** What changed, e.g. "email · Analyst", "Row filter · Analyst", "Tags · email". */
  what: string;
  before: string;
  after: string;
}

function tagText(tags: readonly string[] | undefined): string {
  return tags && tags.length > 0 ? [...tags].sort().join(", ") : "no tags";
}

/** Every difference between the saved draft and the edited one, in page order. */
export function draftChanges(saved: Draft, draft: Draft, columns: readonly string[]): DraftChange[] {
  const out: DraftChange[] = [];
  if (saved.denyUnruledColumns !== draft.denyUnruledColumns) {
    const text = (deny: boolean) => (deny ? "denied" : "allowed");
    out.push({
      target: { kind: "default" },
      what: "Columns without a rule",
      before: text(saved.denyUnruledColumns),
      after: text(draft.denyUnruledColumns),
    });
  }
  for (const column of columns) {
    if (tagText(saved.tags[column]) !== tagText(draft.tags[column])) {
      out.push({
        target: { kind: "tags", column },
        what: `Tags · ${column}`,
        before: tagText(saved.tags[column]),
        after: tagText(draft.tags[column]),
      });
    }
    for (const role of ROLES) {
      const before = saved.rules[column]?.[role];
      const after = draft.rules[column]?.[role];
      if (!sameRule(before, after)) {
        out.push({
          target: { kind: "rule", column, role },
          what: `${column} · ${ROLE_LABELS[role]}`,
          before: describeRule(before),
          after: describeRule(after),
        });
      }
    }
  }
  for (const role of ROLES) {
    const before = saved.rowFilters[role].trim();
    const after = draft.rowFilters[role].trim();
    if (before !== after) {
      out.push({
        target: { kind: "filter", role },
        what: `Row filter · ${ROLE_LABELS[role]}`,
        before: before || "every row",
        after: after || "every row",
      });
    }
  }
  return out;
}

/** The choices of a rule cell's select. */
export const RULE_CHOICES = [
  { value: "", label: "No rule" },
  { value: "allow", label: "Allow" },
  { value: "deny", label: "Deny" },
  { value: "mask", label: "Mask" },
  { value: "last", label: "Mask, last N" },
  { value: "fixed", label: "Fixed text" },
  { value: "hash", label: "Hash" },
] as const;

export type RuleChoice = (typeof RULE_CHOICES)[number]["value"];

export function choiceOf(rule: ColumnRule | null | undefined): RuleChoice {
  if (!rule) return "";
  if (rule.action !== "mask") return rule.action;
  return rule.mask.style === "full" ? "mask" : rule.mask.style;
}

export const DEFAULT_KEEP = 4;
export const DEFAULT_REPLACEMENT = "[redacted]";

/** The rule a choice stands for, keeping the previous rule's N or replacement when it had one. */
export function ruleOfChoice(choice: RuleChoice, previous: ColumnRule | null | undefined): ColumnRule | null {
  switch (choice) {
    case "":
      return null;
    case "allow":
    case "deny":
    case "hash":
      return { action: choice };
    case "mask":
      return { action: "mask", mask: { style: "full" } };
    case "last":
      return {
        action: "mask",
        mask: {
          style: "last",
          keep:
            previous?.action === "mask" && previous.mask.style === "last" ? previous.mask.keep : DEFAULT_KEEP,
        },
      };
    case "fixed":
      return {
        action: "mask",
        mask: {
          style: "fixed",
          replacement:
            previous?.action === "mask" && previous.mask.style === "fixed"
              ? previous.mask.replacement
              : DEFAULT_REPLACEMENT,
        },
      };
  }
}

/** What is wrong with a rule before it is sent (the API checks the same); undefined when nothing. */
export function ruleProblem(rule: ColumnRule | null | undefined): string | undefined {
  if (rule?.action !== "mask") return undefined;
  if (rule.mask.style === "last") {
    const keep = rule.mask.keep;
    if (!Number.isInteger(keep) || keep < 1 || keep > 64) return "Keep 1 to 64 characters";
  }
  if (rule.mask.style === "fixed" && rule.mask.replacement.length > 200) return "At most 200 characters";
  return undefined;
}

export const TAG_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;

/** A typed tag as stored (trimmed, lower case), or the problem with it. */
export function normalizeTag(text: string): { tag: string } | { problem: string } {
  const tag = text.trim().toLowerCase();
  if (!TAG_PATTERN.test(tag)) {
    return { problem: "A tag is a letter, then up to 39 letters, digits, _ or -" };
  }
  return { tag };
}
