// A table's access policy as a whole (column rules, row filters, column tags, the default for columns
// without a rule): a desired state checked against the table before anything is written or previewed,
// the TablePolicies the query path reads it as, and the readable form its audit rows compare.
import type { Role } from "@inlet/db";
import {
  type ColumnRule,
  type ColumnSpec,
  describeRule,
  InletError,
  type TablePolicies,
  validateRowFilter,
} from "@inlet/lake-core";

/** The whole policy of one table as governance staff set it; a null rule or predicate is none. */
export interface PolicyDraft {
  columnRules: { column: string; role: Role; rule: ColumnRule | null }[];
  rowFilters: { role: Role; predicate: string | null }[];
  columnTags: { column: string; tags: string[] }[];
  denyUnruledColumns: boolean;
}

/** A policy as stored: only the rules, filters and tags that are set, columns named as the table does. */
export interface PolicyState {
  columnRules: { column: string; role: Role; rule: ColumnRule }[];
  rowFilters: { role: Role; predicate: string }[];
  columnTags: { column: string; tag: string }[];
  denyUnruledColumns: boolean;
}

/** The rules on the tags a table's columns carry, and which of them deny columns no rule covers. */
export interface TagState {
  tagRules: { tag: string; role: Role; rule: ColumnRule }[];
  defaultDenyTags: string[];
}

export interface PolicyTable {
  id: string;
  name: string;
  columns: readonly ColumnSpec[];
}

function refuse(field: string, message: string): InletError {
  return new InletError("BAD_REQUEST", message, { field });
}

/** The table's own name for `column` (names match case-insensitively, as rules do), or BAD_REQUEST. */
function columnOf(table: PolicyTable, column: string, field: string): string {
  const found =
    table.columns.find((c) => c.name === column) ??
    table.columns.find((c) => c.name.toLowerCase() === column.toLowerCase());
  if (!found) throw refuse(field, `No column '${column}' in ${table.name}`);
  return found.name;
}

/**
 * The draft as it would be stored, or BAD_REQUEST naming the first field that is wrong: a column the
 * table does not have, a column and role (or a role's filter, a column's tags) given twice, a row
 * filter that is not one condition over the table's own row.
 */
export async function checkDraft(table: PolicyTable, draft: PolicyDraft): Promise<PolicyState> {
  const columnRules: PolicyState["columnRules"] = [];
  const ruled = new Set<string>();
  draft.columnRules.forEach((r, i) => {
    const column = columnOf(table, r.column, `columnRules.${i}.column`);
    const key = `${column.toLowerCase()}\u0000${r.role}`;
    if (ruled.has(key))
      throw refuse(`columnRules.${i}`, `The rule for ${column} and ${r.role} is given twice`);
    ruled.add(key);
    if (r.rule) columnRules.push({ column, role: r.role, rule: r.rule });
  });

  const columnTags: PolicyState["columnTags"] = [];
  const tagged = new Set<string>();
  draft.columnTags.forEach((t, i) => {
    const column = columnOf(table, t.column, `columnTags.${i}.column`);
    if (tagged.has(column.toLowerCase())) {
      throw refuse(`columnTags.${i}.column`, `The tags of ${column} are given twice`);
    }
    tagged.add(column.toLowerCase());
    for (const tag of new Set(t.tags)) columnTags.push({ column, tag });
  });

  const rowFilters: PolicyState["rowFilters"] = [];
  const filtered = new Set<Role>();
  for (const [i, f] of draft.rowFilters.entries()) {
    if (filtered.has(f.role))
      throw refuse(`rowFilters.${i}.role`, `The row filter for ${f.role} is given twice`);
    filtered.add(f.role);
    if (f.predicate === null) continue;
    const predicate = f.predicate.trim();
    try {
      await validateRowFilter(predicate, table);
    } catch (err) {
      if (err instanceof InletError && err.code === "BAD_REQUEST") {
        throw refuse(`rowFilters.${i}.predicate`, err.message);
      }
      throw new InletError(
        "INTERNAL",
        `The row filter for ${f.role} could not be checked: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    rowFilters.push({ role: f.role, predicate });
  }

  return { columnRules, rowFilters, columnTags, denyUnruledColumns: draft.denyUnruledColumns };
}

/** The tags a policy puts on columns. */
export function tagsOf(state: PolicyState): string[] {
  return [...new Set(state.columnTags.map((t) => t.tag))].sort();
}

/** The policy as the query path reads it, with the rules of the tags it uses. */
export function tablePoliciesOf(table: PolicyTable, state: PolicyState, tags: TagState): TablePolicies {
  const used = new Set(tagsOf(state));
  return {
    tableId: table.id,
    table: table.name,
    denyUnruledColumns: state.denyUnruledColumns,
    columnRules: state.columnRules.map((r) => ({ role: r.role, column: r.column, rule: r.rule })),
    columnTags: state.columnTags.map((t) => ({ column: t.column, tag: t.tag })),
    tagRules: tags.tagRules
      .filter((r) => used.has(r.tag))
      .map((r) => ({ tag: r.tag, role: r.role, rule: r.rule })),
    defaultDenyTags: tags.defaultDenyTags.filter((t) => used.has(t)),
    rowFilters: state.rowFilters.map((f) => ({ role: f.role, predicate: f.predicate })),
  };
}

export const DENY_UNRULED_LABEL = "deny columns without a rule";

/**
 * The policy as people read it, one entry per thing set: `rule: email · analyst` → "mask (keep last
 * 4)", `row filter: analyst` → "region = 'eu'", `tags: email` → "email, pii", and whether columns
 * without a rule are denied.
 */
export function readablePolicy(state: PolicyState): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = { [DENY_UNRULED_LABEL]: state.denyUnruledColumns };
  for (const r of state.columnRules) out[`rule: ${r.column} · ${r.role}`] = describeRule(r.rule);
  for (const f of state.rowFilters) out[`row filter: ${f.role}`] = f.predicate;
  const tags = new Map<string, string[]>();
  for (const t of state.columnTags) tags.set(t.column, [...(tags.get(t.column) ?? []), t.tag]);
  for (const [column, list] of tags) out[`tags: ${column}`] = [...list].sort().join(", ");
  return out;
}

/** The rules of one tag as people read them: `rule: analyst` → "mask", and its default and description. */
export function readableTag(tag: {
  description: string;
  defaultDeny: boolean;
  rules: { role: Role; rule: ColumnRule }[];
}): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {
    description: tag.description,
    [DENY_UNRULED_LABEL]: tag.defaultDeny,
  };
  for (const r of tag.rules) out[`rule: ${r.role}`] = describeRule(r.rule);
  return out;
}

/**
 * What differs between two readable states, as the audit log's before and after: only the entries that
 * changed, each present on both sides (null where nothing was set).
 */
export function changedEntries(
  before: Record<string, string | boolean>,
  after: Record<string, string | boolean>,
): { before: Record<string, string | boolean | null>; after: Record<string, string | boolean | null> } {
  const b: Record<string, string | boolean | null> = {};
  const a: Record<string, string | boolean | null> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[key] === after[key]) continue;
    b[key] = before[key] ?? null;
    a[key] = after[key] ?? null;
  }
  return { before: b, after: a };
}
