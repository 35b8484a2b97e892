// An AccessPolicySource whose analytics tables carry their inputs' rules: each analytics table's
// policies (as the source stores them) with the column rules and tags of the input columns each of
// its columns is computed from (column lineage of its definition, see inherited-policies.ts). Read on
// every query, so a rule set on an input reaches every table built from it at once; the lineage is
// worked out once per definition and input columns.
import type { AccessPolicySource, TablePolicies } from "../ports/access-policy";
import type { Catalog } from "../ports/catalog";
import { currentSnapshot } from "../query/table-snapshot-cache";
import { ColumnLineageCache } from "./column-lineage";
import { type AnalyticsInput, inheritedPolicies } from "./inherited-policies";

/** How deep analytics tables over analytics tables are followed; inputs deeper still count as gone. */
const MAX_DEPTH = 8;

export type AnalyticsPolicyCatalog = Pick<
  Catalog,
  "url" | "getAnalyticsTable" | "tableVersion" | "tableSnapshot"
>;

class InheritingPolicySource implements AccessPolicySource {
  constructor(
    private readonly stored: AccessPolicySource,
    private readonly catalog: AnalyticsPolicyCatalog,
    private readonly lineage: ColumnLineageCache,
  ) {}

  tablePolicies(tableIds: readonly string[]): Promise<Map<string, TablePolicies>> {
    return this.policiesOf(tableIds, []);
  }

  /** `path`: the analytics tables whose inputs are being read, outermost first. */
  private async policiesOf(
    tableIds: readonly string[],
    path: readonly string[],
  ): Promise<Map<string, TablePolicies>> {
    const out = await this.stored.tablePolicies(tableIds);
    for (const [id, own] of out) {
      // Analytics tables are named analytics.{slug}; nothing else has inputs to inherit from.
      if (!own.table.startsWith("analytics.")) continue;
      out.set(id, await this.withInputs(own, path));
    }
    return out;
  }

  private async withInputs(own: TablePolicies, path: readonly string[]): Promise<TablePolicies> {
    const record = await this.catalog.getAnalyticsTable(own.table);
    if (!record) return own;
    const names = Object.keys(record.inputs);
    if (names.length === 0) return own;
    const views = await Promise.all(names.map((n) => currentSnapshot(this.catalog, n)));
    const within = [...path, own.tableId];
    // An input reached again (a cycle) or too deep counts as gone: the table then hides unruled columns.
    const followed = views.filter(
      (v) => v !== undefined && !within.includes(v.tableId) && within.length <= MAX_DEPTH,
    );
    const [policies, lineage] = await Promise.all([
      this.policiesOf(
        followed.map((v) => v!.tableId),
        within,
      ),
      this.lineage.get(
        record.definition,
        views.flatMap((v) => (v ? [{ name: v.name, columns: v.columns }] : [])),
      ),
    ]);
    const inputs: AnalyticsInput[] = names.map((name, i) => {
      const view = views[i];
      return {
        name,
        columns: view?.columns.map((c) => c.name) ?? [],
        policies: view ? policies.get(view.tableId) : undefined,
      };
    });
    return inheritedPolicies({
      own,
      columns: record.columns.map((c) => c.name),
      inputs,
      lineage: lineage.ok ? lineage.lineage : undefined,
    });
  }
}

/**
 * `stored` with each analytics table's inputs' column rules carried onto its columns (the strictest
 * winning), read from the catalog's definitions and the inputs' columns.
 */
export function inheritingAnalyticsPolicies(
  stored: AccessPolicySource,
  catalog: AnalyticsPolicyCatalog,
  lineage: ColumnLineageCache = new ColumnLineageCache(),
): AccessPolicySource {
  return new InheritingPolicySource(stored, catalog, lineage);
}
