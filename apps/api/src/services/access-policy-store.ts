// The access policies in the control plane's tables (column_policies, column_tags, tag_policies,
// policy_tags, row_filter_policies) and the table's own default (lake_tables.deny_unruled_columns,
// read through the catalog): the adapter of lake-core's AccessPolicySource the query path reads. An
// analytics table's policies also hold the rules of the input columns each of its columns is computed
// from (lake-core's inheritingAnalyticsPolicies: column lineage of its definition, strictest winning).
import type { ColumnAction, Db, MaskStyle } from "@inlet/db";
import {
  type AccessPolicySource,
  type AnalyticsPolicyCatalog,
  type ColumnRule,
  inheritingAnalyticsPolicies,
  type TableAccessCatalog,
  type TablePolicies,
} from "@inlet/lake-core";

/** A stored rule (action and mask fields) as lake-core's ColumnRule. */
export function ruleOf(row: {
  action: ColumnAction;
  maskStyle: MaskStyle | null;
  maskKeepLast: number | null;
  maskReplacement: string | null;
}): ColumnRule {
  if (row.action !== "mask") return { action: row.action };
  if (row.maskStyle === "last")
    return { action: "mask", mask: { style: "last", keep: row.maskKeepLast ?? 4 } };
  if (row.maskStyle === "fixed") {
    return { action: "mask", mask: { style: "fixed", replacement: row.maskReplacement ?? "" } };
  }
  return { action: "mask", mask: { style: "full" } };
}

/** lake-core's ColumnRule as the stored fields. */
export function storedRule(rule: ColumnRule): {
  action: ColumnAction;
  maskStyle: MaskStyle | null;
  maskKeepLast: number | null;
  maskReplacement: string | null;
} {
  if (rule.action !== "mask")
    return { action: rule.action, maskStyle: null, maskKeepLast: null, maskReplacement: null };
  return {
    action: "mask",
    maskStyle: rule.mask.style,
    maskKeepLast: rule.mask.style === "last" ? rule.mask.keep : null,
    maskReplacement: rule.mask.style === "fixed" ? rule.mask.replacement : null,
  };
}

export class AccessPolicyStore implements AccessPolicySource {
  /** The stored policies with analytics tables' inherited rules added (lineage cached per definition). */
  private readonly inheriting: AccessPolicySource;

  constructor(
    private readonly db: Db,
    private readonly catalog: TableAccessCatalog & AnalyticsPolicyCatalog,
  ) {
    this.inheriting = inheritingAnalyticsPolicies({ tablePolicies: (ids) => this.stored(ids) }, catalog);
  }

  /** Each table's policies as readers are held to them: its own, and for an analytics table its inputs'. */
  tablePolicies(tableIds: readonly string[]): Promise<Map<string, TablePolicies>> {
    return this.inheriting.tablePolicies(tableIds);
  }

  /** Each table's own policies, as stored. */
  async stored(tableIds: readonly string[]): Promise<Map<string, TablePolicies>> {
    const ids = [...new Set(tableIds)];
    const out = new Map<string, TablePolicies>();
    if (ids.length === 0) return out;
    const prisma = this.db.prisma;
    const [tables, columnRules, columnTags, rowFilters] = await Promise.all([
      this.catalog.tableAccessSettings(ids),
      prisma.columnPolicy.findMany({ where: { tableId: { in: ids } } }),
      prisma.columnTag.findMany({ where: { tableId: { in: ids } } }),
      prisma.rowFilterPolicy.findMany({ where: { tableId: { in: ids } } }),
    ]);
    const tagNames = [...new Set(columnTags.map((t) => t.tag))];
    const [tagRules, tags] =
      tagNames.length === 0
        ? [[], []]
        : await Promise.all([
            prisma.tagPolicy.findMany({ where: { tag: { in: tagNames } } }),
            prisma.policyTag.findMany({ where: { name: { in: tagNames } } }),
          ]);
    const defaultDenyTags = tags.filter((t) => t.defaultDeny).map((t) => t.name);
    for (const t of tables.values()) {
      out.set(t.tableId, {
        tableId: t.tableId,
        table: t.name,
        denyUnruledColumns: t.denyUnruledColumns,
        columnRules: columnRules
          .filter((r) => r.tableId === t.tableId)
          .map((r) => ({ role: r.role, column: r.column, rule: ruleOf(r) })),
        columnTags: columnTags
          .filter((c) => c.tableId === t.tableId)
          .map((c) => ({ column: c.column, tag: c.tag })),
        tagRules: tagRules
          .filter((r) => columnTags.some((c) => c.tableId === t.tableId && c.tag === r.tag))
          .map((r) => ({ tag: r.tag, role: r.role, rule: ruleOf(r) })),
        defaultDenyTags,
        rowFilters: rowFilters
          .filter((f) => f.tableId === t.tableId)
          .map((f) => ({ role: f.role, predicate: f.predicate })),
      });
    }
    return out;
  }
}
