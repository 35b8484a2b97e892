// Tags a source's schema gives its curated columns (x-inlet-tags): recorded as column tags of the
// curated table in the transaction that registers the version (tags not known yet are created), so
// the rules on those tags hold for a column from its first event; and, before registering, the rule
// each role would get on each column a version adds.
import { type Prisma, ROLES } from "@inlet/db";
import {
  type CatalogTransaction,
  type ColumnRule,
  describeRule,
  type RuleOrigin,
  resolveColumnRule,
  type SchemaColumnTags,
  schemaColumnTags,
  type TablePolicies,
} from "@inlet/lake-core";
import { ruleOf } from "./access-policy-store";

export interface RecordedTags {
  /** The column tags added to the table (those it already had are left as they are). */
  added: { column: string; tag: string }[];
  /** Tags the schema named that did not exist, created without rules. */
  createdTags: string[];
}

/**
 * Records the tags the schema gives its columns on the curated table `tableName`, in the caller's
 * transaction. Only adds: a tag the schema no longer names stays until governance removes it.
 */
export async function recordSchemaTags(
  tx: { catalog: CatalogTransaction; prisma: Prisma.TransactionClient },
  tableName: string,
  schema: unknown,
): Promise<RecordedTags> {
  const given = schemaColumnTags(schema);
  if (given.length === 0) return { added: [], createdTags: [] };
  const table = await tx.catalog.describeTable(tableName);
  // A source's curated table is created with it; one registered before that has none to tag yet.
  if (!table) return { added: [], createdTags: [] };
  const names = [...new Set(given.flatMap((g) => g.tags))];
  const known = new Set(
    (await tx.prisma.policyTag.findMany({ where: { name: { in: names } }, select: { name: true } })).map(
      (t) => t.name,
    ),
  );
  const createdTags = names.filter((n) => !known.has(n));
  if (createdTags.length > 0) {
    await tx.prisma.policyTag.createMany({
      data: createdTags.map((name) => ({ name })),
      skipDuplicates: true,
    });
  }
  const existing = new Set(
    (
      await tx.prisma.columnTag.findMany({
        where: { tableId: table.id, column: { in: given.map((g) => g.column) } },
        select: { column: true, tag: true },
      })
    ).map((t) => `${t.column}\u0000${t.tag}`),
  );
  const added = given.flatMap((g) =>
    g.tags
      .filter((tag) => !existing.has(`${g.column}\u0000${tag}`))
      .map((tag) => ({ column: g.column, tag })),
  );
  if (added.length > 0) {
    await tx.prisma.columnTag.createMany({
      data: added.map((t) => ({ tableId: table.id, ...t })),
      skipDuplicates: true,
    });
  }
  return { added, createdTags };
}

/** The rule that would hold on a column for some roles, and where it comes from. */
export interface ColumnAccessEntry {
  roles: string[];
  /** Every role gets this rule. */
  allRoles: boolean;
  rule: ColumnRule;
  /** The rule as people read it: "allow", "mask (keep last 4)", "hash" … */
  ruleText: string;
  origin: RuleOrigin;
}

/** Rules on tags and which tags deny by default, for tags the table's stored policies may not hold yet. */
export interface TagState {
  rules: { tag: string; role: string; rule: ColumnRule }[];
  defaultDenyTags: string[];
}

/** The stored rules and default of the named tags. */
export async function tagState(prisma: Prisma.TransactionClient, tags: readonly string[]): Promise<TagState> {
  if (tags.length === 0) return { rules: [], defaultDenyTags: [] };
  const [rules, denying] = await Promise.all([
    prisma.tagPolicy.findMany({ where: { tag: { in: [...tags] } } }),
    prisma.policyTag.findMany({
      where: { name: { in: [...tags] }, defaultDeny: true },
      select: { name: true },
    }),
  ]);
  return {
    rules: rules.map((r) => ({ tag: r.tag, role: r.role, rule: ruleOf(r) })),
    defaultDenyTags: denying.map((t) => t.name),
  };
}

/**
 * Per role, the rule that would hold on each of `columns` once the schema's tags are recorded: the
 * table's stored policies with the schema's column tags (and those tags' rules and defaults) added.
 * Roles that would get the same rule from the same place are listed together.
 */
export function addedColumnAccess(
  policies: TablePolicies,
  schemaTags: readonly SchemaColumnTags[],
  tags: TagState,
  columns: readonly string[],
): Map<string, ColumnAccessEntry[]> {
  const withTags: TablePolicies = {
    ...policies,
    columnTags: [
      ...policies.columnTags,
      ...schemaTags.flatMap((g) => g.tags.map((tag) => ({ column: g.column, tag }))),
    ],
    tagRules: [
      ...policies.tagRules,
      ...tags.rules.filter((r) => !policies.tagRules.some((p) => p.tag === r.tag && p.role === r.role)),
    ],
    defaultDenyTags: [...new Set([...policies.defaultDenyTags, ...tags.defaultDenyTags])],
  };
  const out = new Map<string, ColumnAccessEntry[]>();
  for (const column of columns) {
    const entries: ColumnAccessEntry[] = [];
    for (const role of ROLES) {
      const { rule, origin } = resolveColumnRule(withTags, role, column);
      const same = entries.find((e) => JSON.stringify([e.rule, e.origin]) === JSON.stringify([rule, origin]));
      if (same) same.roles.push(role);
      else entries.push({ roles: [role], allRoles: false, rule, ruleText: describeRule(rule), origin });
    }
    for (const e of entries) e.allRoles = e.roles.length === ROLES.length;
    out.set(column, entries);
  }
  return out;
}
