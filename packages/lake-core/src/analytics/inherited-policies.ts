// What an analytics table's readers are held to: its own rules, and for each of its columns the rules
// of every input column it is computed from (column lineage), the strictest winning when read. An
// input column's rules and tags (so its tags' rules and defaults follow) are copied onto each column
// computed from it; a deny an input column gets only by default (its table denies columns without a
// rule, or a tag of it does) is written out as a rule, so that another rule on the same analytics
// column cannot loosen it; and the analytics table denies columns without a rule when an input does.
//
// Input row filters cannot be carried over as they are: they choose rows of the input, and an
// aggregate's rows are not rows of any input (a filter on `country` says nothing of a total over every
// country). So a role an input's row filter holds sees no rows of the analytics table (its filter there
// is `false`) until governance staff set that role's own filter on the analytics table, over its own
// columns, which then applies as on any table. Fail closed: what the input hides is never shown
// through a table built from it.
import type { ColumnRule, TablePolicies } from "../ports/access-policy";
import { resolveColumnRule } from "../query/access-rules";
import type { ColumnLineage, LineageSource } from "./column-lineage";

export interface AnalyticsInput {
  /** The input table's name as the catalog writes it (curated.orders). */
  name: string;
  columns: readonly string[];
  /** Its policies (inherited ones too, for an analytics input); undefined when the table is gone. */
  policies: TablePolicies | undefined;
}

export interface InheritanceRequest {
  /** The rules governance staff set on the analytics table itself. */
  own: TablePolicies;
  /** The analytics table's columns. */
  columns: readonly string[];
  inputs: readonly AnalyticsInput[];
  /**
   * What each column is computed from; undefined when it could not be worked out, and then every
   * column inherits the rules of every input column.
   */
  lineage: ColumnLineage | undefined;
}

const DENY: ColumnRule = { action: "deny" };

/** The analytics table's policies with its inputs' rules carried onto the columns computed from them. */
export function inheritedPolicies(request: InheritanceRequest): TablePolicies {
  const { own, inputs } = request;
  const byName = new Map(inputs.map((i) => [i.name.toLowerCase(), i]));
  const known = inputs.filter((i): i is AnalyticsInput & { policies: TablePolicies } => !!i.policies);
  // A gone input's rules cannot be known: its data may still be here, so unruled columns are hidden.
  const inputGone = known.length < inputs.length;

  /** Every column of every input (and any a rule or tag names): a column of unknown lineage reads them all. */
  const everything: LineageSource[] = known.flatMap((i) => {
    const names = new Map<string, string>();
    for (const c of [
      ...i.columns,
      ...i.policies.columnRules.map((r) => r.column),
      ...i.policies.columnTags.map((t) => t.column),
    ]) {
      names.set(c.toLowerCase(), c);
    }
    return [...names.values()].map((column) => ({ table: i.name.toLowerCase(), column }));
  });
  const lineage = new Map(
    (request.lineage?.columns ?? []).map((c) => [c.name.toLowerCase(), c.sources] as const),
  );
  const roles = new Set<string>();
  for (const p of [own, ...known.map((i) => i.policies)]) {
    for (const r of [...p.columnRules, ...p.tagRules, ...p.rowFilters]) roles.add(r.role);
  }

  const columnRules = new Map<string, TablePolicies["columnRules"][number]>();
  const columnTags = new Map<string, TablePolicies["columnTags"][number]>();
  const tagRules = new Map<string, TablePolicies["tagRules"][number]>();
  const defaultDenyTags = new Set(own.defaultDenyTags);
  const addRule = (r: TablePolicies["columnRules"][number]) =>
    columnRules.set(JSON.stringify([r.role, r.column.toLowerCase(), r.rule]), r);
  const addTag = (t: TablePolicies["columnTags"][number]) =>
    columnTags.set(JSON.stringify([t.column.toLowerCase(), t.tag]), t);
  for (const r of own.columnRules) addRule(r);
  for (const t of own.columnTags) addTag(t);
  for (const r of own.tagRules) tagRules.set(`${r.tag}\u0000${r.role}`, r);

  const outputs = new Map<string, string>();
  for (const c of [...request.columns, ...(request.lineage?.columns.map((l) => l.name) ?? [])]) {
    if (!outputs.has(c.toLowerCase())) outputs.set(c.toLowerCase(), c);
  }
  for (const [folded, column] of outputs) {
    const traced = lineage.get(folded);
    // A source outside the known inputs cannot be looked up: read the column as computed from all.
    const sources = traced?.every((s) => byName.get(s.table.toLowerCase())?.policies) ? traced : everything;
    for (const source of sources) {
      const policies = byName.get(source.table.toLowerCase())?.policies;
      if (!policies) continue;
      const name = source.column.toLowerCase();
      for (const r of policies.columnRules) {
        if (r.column.toLowerCase() === name) addRule({ role: r.role, column, rule: r.rule });
      }
      for (const t of policies.columnTags) {
        if (t.column.toLowerCase() !== name) continue;
        addTag({ column, tag: t.tag });
        for (const r of policies.tagRules) if (r.tag === t.tag) tagRules.set(`${r.tag}\u0000${r.role}`, r);
        if (policies.defaultDenyTags.includes(t.tag)) defaultDenyTags.add(t.tag);
      }
      for (const role of roles) {
        const origin = resolveColumnRule(policies, role, source.column).origin.kind;
        if (origin === "table-default" || origin === "tag-default") addRule({ role, column, rule: DENY });
      }
    }
  }
  return {
    ...own,
    denyUnruledColumns:
      own.denyUnruledColumns || inputGone || known.some((i) => i.policies.denyUnruledColumns),
    columnRules: [...columnRules.values()],
    columnTags: [...columnTags.values()],
    tagRules: [...tagRules.values()],
    defaultDenyTags: [...defaultDenyTags],
    rowFilters: [
      ...own.rowFilters,
      ...heldByInputs(own, known).map((role) => ({ role, predicate: "false" })),
    ],
  };
}

/** The roles an input's row filter holds and the analytics table's own policies give no filter of theirs. */
function heldByInputs(own: TablePolicies, inputs: readonly { policies: TablePolicies }[]): string[] {
  const ownFiltered = new Set(own.rowFilters.map((f) => f.role));
  const held = new Set<string>();
  for (const input of inputs) {
    for (const f of input.policies.rowFilters) if (!ownFiltered.has(f.role)) held.add(f.role);
  }
  return [...held].sort();
}
