// The Policies page's service: each curated and analytics table's column rules, row filters, column
// tags and default for columns without a rule, shown with the rule that holds for every column and
// role; a table's whole policy saved at once (checked first, written in one transaction with its audit
// row); tags and their rules; and previews of a table or a saved query as one role would see it, the
// unsaved draft included. Governance staff and admins use it.
import { type Db, type Prisma, ROLES, type Role } from "@inlet/db";
import {
  type Catalog,
  type ColumnRule,
  InletError,
  type LakeReader,
  PREVIEW_MAX_ROWS,
  resolveColumnRule,
  type TableSummary,
} from "@inlet/lake-core";
import { z } from "zod";
import type { Actor } from "../auth/session";
import { ruleOf, storedRule } from "./access-policy-store";
import type { AuditService } from "./audit";
import { withCatalogTransaction } from "./catalog-transaction";
import {
  changedEntries,
  checkDraft,
  type PolicyDraft,
  type PolicyState,
  type PolicyTable,
  readablePolicy,
  readableTag,
  type TagState,
  tablePoliciesOf,
  tagsOf,
} from "./policy-state";
import type { ParameterArgument, ParameterValue, QueriesService } from "./queries";

/** The zones whose tables carry policies (raw objects are not read through the query path). */
const POLICY_ZONES = new Set(["curated", "analytics"]);

type Tx = Prisma.TransactionClient;

export interface SavePolicyInput extends PolicyDraft {
  table: string;
  reason: string;
}

export interface SaveTagInput {
  tag: string;
  reason: string;
  description?: string | undefined;
  defaultDeny: boolean;
  rules: { role: Role; rule: ColumnRule | null }[];
}

export interface PreviewInput {
  table: string;
  role: Role;
  draft?: PolicyDraft | undefined;
}

export interface SavedQueryPreviewInput {
  savedQueryId: string;
  role: Role;
  params?: Record<string, ParameterArgument> | undefined;
}

const declaredParameters = z.array(
  z.object({
    name: z.string(),
    type: z.enum(["date", "number", "text", "list"]),
    default: z.union([z.string(), z.number(), z.array(z.string())]).optional(),
  }),
);

function tableOf(summary: TableSummary): PolicyTable {
  return { id: summary.id, name: summary.name, columns: summary.columns };
}

/** The stored policy of one table. */
async function readState(tx: Tx, tableId: string, denyUnruledColumns: boolean): Promise<PolicyState> {
  const [rules, filters, tags] = await Promise.all([
    tx.columnPolicy.findMany({ where: { tableId }, orderBy: [{ column: "asc" }, { role: "asc" }] }),
    tx.rowFilterPolicy.findMany({ where: { tableId }, orderBy: { role: "asc" } }),
    tx.columnTag.findMany({ where: { tableId }, orderBy: [{ column: "asc" }, { tag: "asc" }] }),
  ]);
  return {
    denyUnruledColumns,
    columnRules: rules.map((r) => ({ column: r.column, role: r.role, rule: ruleOf(r) })),
    rowFilters: filters.map((f) => ({ role: f.role, predicate: f.predicate })),
    columnTags: tags.map((t) => ({ column: t.column, tag: t.tag })),
  };
}

/** The rules on these tags and which of them deny columns no rule covers. */
async function readTagState(tx: Tx, tags: readonly string[]): Promise<TagState> {
  if (tags.length === 0) return { tagRules: [], defaultDenyTags: [] };
  const [rules, rows] = await Promise.all([
    tx.tagPolicy.findMany({ where: { tag: { in: [...tags] } } }),
    tx.policyTag.findMany({ where: { name: { in: [...tags] }, defaultDeny: true }, select: { name: true } }),
  ]);
  return {
    tagRules: rules.map((r) => ({ tag: r.tag, role: r.role, rule: ruleOf(r) })),
    defaultDenyTags: rows.map((r) => r.name),
  };
}

function sameRule(a: ColumnRule, b: ColumnRule): boolean {
  return JSON.stringify(storedRule(a)) === JSON.stringify(storedRule(b));
}

/** The saved queries a person holding only `role` could open: shared with it, or owned by someone with it. */
function openableAs(role: Role): Prisma.SavedQueryWhereInput {
  if (role === "admin") return {};
  return { OR: [{ sharedWithRoles: { has: role } }, { owner: { roles: { has: role } } }] };
}

export class PoliciesService {
  constructor(
    private readonly deps: {
      db: Db;
      catalog: Catalog;
      lake: LakeReader;
      audit: AuditService;
      queries: QueriesService;
    },
  ) {}

  private get prisma() {
    return this.deps.db.prisma;
  }

  /** A curated or analytics table by name, or NOT_FOUND. */
  private async table(name: string): Promise<TableSummary> {
    const summary = await this.deps.catalog.getTableSummary(name);
    if (!summary || !POLICY_ZONES.has(summary.zone)) {
      throw new InletError("NOT_FOUND", `No curated or analytics table named '${name}'`, { field: "table" });
    }
    return summary;
  }

  /** Every curated and analytics table with how many rules, row filters and tagged columns it has. */
  async tables() {
    const all = (await this.deps.catalog.listTables()).filter((t) => POLICY_ZONES.has(t.zone));
    const [rules, filters, tags] = await Promise.all([
      this.prisma.columnPolicy.groupBy({ by: ["tableId"], _count: { _all: true } }),
      this.prisma.rowFilterPolicy.groupBy({ by: ["tableId"], _count: { _all: true } }),
      this.prisma.columnTag.findMany({ select: { tableId: true, column: true } }),
    ]);
    const count = (rows: { tableId: string; _count: { _all: number } }[], id: string) =>
      rows.find((r) => r.tableId === id)?._count._all ?? 0;
    return {
      tables: all
        .map((t) => ({
          name: t.name,
          zone: t.zone,
          columns: t.columns.length,
          rules: count(rules, t.id),
          rowFilters: count(filters, t.id),
          taggedColumns: new Set(tags.filter((c) => c.tableId === t.id).map((c) => c.column)).size,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  /** Every tag with its rule per role, its default and how many columns carry it. */
  async tags() {
    const [tags, rules, usage] = await Promise.all([
      this.prisma.policyTag.findMany({ orderBy: { name: "asc" } }),
      this.prisma.tagPolicy.findMany(),
      this.prisma.columnTag.groupBy({ by: ["tag"], _count: { _all: true } }),
    ]);
    return {
      tags: tags.map((t) => ({
        name: t.name,
        description: t.description,
        defaultDeny: t.defaultDeny,
        columns: usage.find((u) => u.tag === t.name)?._count._all ?? 0,
        rules: ROLES.map((role) => {
          const r = rules.find((x) => x.tag === t.name && x.role === role);
          return { role, rule: r ? ruleOf(r) : null };
        }),
      })),
    };
  }

  /**
   * A table's policy: each column with its tags and, for every role, the column's own rule (or null)
   * and the rule that holds (which rule or default it comes from, and the rules it overrode); each
   * role's row filter; every tag. Columns that rules or tags name but the table no longer has are
   * listed in `missingColumns` (saving removes what names them).
   */
  async get(name: string) {
    const summary = await this.table(name);
    const table = tableOf(summary);
    const settings = (await this.deps.catalog.tableAccessSettings([summary.id])).get(summary.id);
    const state = await readState(this.prisma, summary.id, settings?.denyUnruledColumns ?? false);
    const [tagState, { tags }] = await Promise.all([readTagState(this.prisma, tagsOf(state)), this.tags()]);
    const policies = tablePoliciesOf(table, state, tagState);
    const held =
      summary.zone === "analytics" ? await this.heldByInputs(summary.name, state) : new Set<Role>();
    const present = new Set(summary.columns.map((c) => c.name.toLowerCase()));
    const named = [...state.columnRules.map((r) => r.column), ...state.columnTags.map((t) => t.column)];
    return {
      table: { name: summary.name, zone: summary.zone, currentSeq: summary.currentSeq, rows: summary.rows },
      roles: [...ROLES],
      denyUnruledColumns: state.denyUnruledColumns,
      columns: summary.columns.map((c) => ({
        name: c.name,
        type: c.type,
        tags: state.columnTags.filter((t) => t.column === c.name).map((t) => t.tag),
        cells: ROLES.map((role) => ({
          role,
          rule: state.columnRules.find((r) => r.column === c.name && r.role === role)?.rule ?? null,
          effective: resolveColumnRule(policies, role, c.name),
        })),
      })),
      rowFilters: ROLES.map((role) => ({
        role,
        predicate: state.rowFilters.find((f) => f.role === role)?.predicate ?? null,
        // An analytics table's role an input's row filter holds sees none of its rows without one here.
        heldByInputs: held.has(role),
      })),
      missingColumns: [...new Set(named.filter((c) => !present.has(c.toLowerCase())))].sort(),
      tags,
    };
  }

  /**
   * The roles of an analytics table without a row filter of their own there that an input's row filter
   * holds: they see none of its rows (see inherited-policies.ts) until one is set here.
   */
  private async heldByInputs(name: string, state: { rowFilters: { role: string }[] }): Promise<Set<Role>> {
    const open = ROLES.filter((role) => !state.rowFilters.some((f) => f.role === role));
    const held = await Promise.all(
      open.map(async (role) => {
        const access = await this.deps.lake.accessToTable({ userId: "policies", roles: [role] }, name);
        return access?.roles.some((v) => v.role === role && v.rowFilter === "false") ? [role] : [];
      }),
    );
    return new Set(held.flat());
  }

  /**
   * Replaces the table's whole policy with `input`: checked first (every column the table's, every row
   * filter one condition over its row), then written in one transaction with one `policy.change` audit
   * row holding what changed (before and after, readable) and the reason. Tags not known yet are
   * created. Nothing is written when nothing changed. Returns the new policy and how many entries changed.
   */
  async save(actor: Actor, input: SavePolicyInput, requestId?: string) {
    const summary = await this.table(input.table);
    const table = tableOf(summary);
    const after = await checkDraft(table, input);
    const changes = await withCatalogTransaction(this.deps.db, async ({ catalog, prisma: tx }) => {
      // One save of a table at a time, so `before` is what this save replaces.
      const locked = await catalog.lockTableAccess(summary.id);
      if (!locked) throw new InletError("NOT_FOUND", `No table named '${summary.name}'`, { field: "table" });
      const before = await readState(tx, summary.id, locked.denyUnruledColumns);
      const diff = changedEntries(readablePolicy(before), readablePolicy(after));
      const changed = Object.keys(diff.after).length;
      if (changed === 0) return 0;
      const createdTags = await this.createMissingTags(tx, tagsOf(after));
      await this.writeState(tx, summary.id, before, after);
      if (before.denyUnruledColumns !== after.denyUnruledColumns) {
        await catalog.setDenyUnruledColumns(summary.id, after.denyUnruledColumns);
      }
      await this.deps.audit.record(
        actor,
        {
          action: "policy.change",
          targetType: "table",
          targetId: summary.id,
          details: {
            table: summary.name,
            reason: input.reason,
            before: diff.before,
            after: diff.after,
            ...(createdTags.length > 0 ? { createdTags } : {}),
          },
        },
        requestId,
        tx,
      );
      return changed;
    });
    return { ...(await this.get(summary.name)), changes };
  }

  private async createMissingTags(tx: Tx, tags: string[]): Promise<string[]> {
    if (tags.length === 0) return [];
    const known = new Set(
      (await tx.policyTag.findMany({ where: { name: { in: tags } }, select: { name: true } })).map(
        (t) => t.name,
      ),
    );
    const missing = tags.filter((t) => !known.has(t));
    if (missing.length > 0) {
      await tx.policyTag.createMany({ data: missing.map((name) => ({ name })), skipDuplicates: true });
    }
    return missing;
  }

  private async writeState(tx: Tx, tableId: string, before: PolicyState, after: PolicyState) {
    const ruleKey = (r: { column: string; role: Role }) => `${r.column}\u0000${r.role}`;
    const afterRules = new Map(after.columnRules.map((r) => [ruleKey(r), r]));
    const gone = before.columnRules.filter((r) => !afterRules.has(ruleKey(r)));
    for (const r of gone) {
      await tx.columnPolicy.delete({
        where: { tableId_role_column: { tableId, role: r.role, column: r.column } },
      });
    }
    for (const r of after.columnRules) {
      const had = before.columnRules.find((b) => ruleKey(b) === ruleKey(r));
      if (had && sameRule(had.rule, r.rule)) continue;
      const fields = storedRule(r.rule);
      await tx.columnPolicy.upsert({
        where: { tableId_role_column: { tableId, role: r.role, column: r.column } },
        create: { tableId, role: r.role, column: r.column, ...fields },
        update: fields,
      });
    }

    const keptRoles = after.rowFilters.map((f) => f.role);
    await tx.rowFilterPolicy.deleteMany({ where: { tableId, role: { notIn: keptRoles } } });
    for (const f of after.rowFilters) {
      if (before.rowFilters.some((b) => b.role === f.role && b.predicate === f.predicate)) continue;
      await tx.rowFilterPolicy.upsert({
        where: { tableId_role: { tableId, role: f.role } },
        create: { tableId, role: f.role, predicate: f.predicate },
        update: { predicate: f.predicate },
      });
    }

    const tagKey = (t: { column: string; tag: string }) => `${t.column}\u0000${t.tag}`;
    const afterTags = new Set(after.columnTags.map(tagKey));
    const beforeTags = new Set(before.columnTags.map(tagKey));
    for (const t of before.columnTags.filter((t) => !afterTags.has(tagKey(t)))) {
      await tx.columnTag.deleteMany({ where: { tableId, column: t.column, tag: t.tag } });
    }
    const added = after.columnTags.filter((t) => !beforeTags.has(tagKey(t)));
    if (added.length > 0) {
      await tx.columnTag.createMany({ data: added.map((t) => ({ tableId, column: t.column, tag: t.tag })) });
    }
  }

  /** A new tag (lower-case name), audited as `tag.create`; CONFLICT when the name is taken. */
  async createTag(actor: Actor, input: { name: string; description: string }, requestId?: string) {
    await this.prisma.$transaction(async (tx) => {
      const exists = await tx.policyTag.findUnique({ where: { name: input.name } });
      if (exists)
        throw new InletError("CONFLICT", `A tag named '${input.name}' already exists`, { field: "name" });
      await tx.policyTag.create({ data: { name: input.name, description: input.description } });
      await this.deps.audit.record(
        actor,
        {
          action: "tag.create",
          targetType: "tag",
          targetId: input.name,
          details: { tag: input.name, description: input.description },
        },
        requestId,
        tx,
      );
    });
    return this.tag(input.name);
  }

  /**
   * Replaces a tag's rules (a role not listed has none), its default for columns no rule covers and,
   * when given, its description; they hold for every column carrying the tag, in every table, now and
   * later. Audited as `tag.change` with what changed and the reason.
   */
  async saveTag(actor: Actor, input: SaveTagInput, requestId?: string) {
    const seen = new Set<Role>();
    input.rules.forEach((r, i) => {
      if (seen.has(r.role)) {
        throw new InletError("BAD_REQUEST", `The rule for ${r.role} is given twice`, {
          field: `rules.${i}.role`,
        });
      }
      seen.add(r.role);
    });
    const wanted = input.rules.flatMap((r) => (r.rule ? [{ role: r.role, rule: r.rule }] : []));
    const changes = await this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ name: string }[]>`
        SELECT name FROM policy_tags WHERE name = ${input.tag} FOR UPDATE`;
      if (rows.length === 0)
        throw new InletError("NOT_FOUND", `No tag named '${input.tag}'`, { field: "tag" });
      const tag = await tx.policyTag.findUniqueOrThrow({ where: { name: input.tag } });
      const rules = await tx.tagPolicy.findMany({ where: { tag: input.tag } });
      const before = {
        description: tag.description,
        defaultDeny: tag.defaultDeny,
        rules: rules.map((r) => ({ role: r.role, rule: ruleOf(r) })),
      };
      const after = {
        description: input.description ?? tag.description,
        defaultDeny: input.defaultDeny,
        rules: wanted,
      };
      const diff = changedEntries(readableTag(before), readableTag(after));
      const changed = Object.keys(diff.after).length;
      if (changed === 0) return 0;
      await tx.policyTag.update({
        where: { name: input.tag },
        data: { description: after.description, defaultDeny: after.defaultDeny },
      });
      await tx.tagPolicy.deleteMany({
        where: { tag: input.tag, role: { notIn: wanted.map((r) => r.role) } },
      });
      for (const r of wanted) {
        const had = before.rules.find((b) => b.role === r.role);
        if (had && sameRule(had.rule, r.rule)) continue;
        const fields = storedRule(r.rule);
        await tx.tagPolicy.upsert({
          where: { tag_role: { tag: input.tag, role: r.role } },
          create: { tag: input.tag, role: r.role, ...fields },
          update: fields,
        });
      }
      await this.deps.audit.record(
        actor,
        {
          action: "tag.change",
          targetType: "tag",
          targetId: input.tag,
          details: { tag: input.tag, reason: input.reason, before: diff.before, after: diff.after },
        },
        requestId,
        tx,
      );
      return changed;
    });
    return { ...(await this.tag(input.tag)), changes };
  }

  private async tag(name: string) {
    const found = (await this.tags()).tags.find((t) => t.name === name);
    if (!found) throw new InletError("NOT_FOUND", `No tag named '${name}'`, { field: "tag" });
    return found;
  }

  /**
   * The table's newest rows as `role` sees them: under the stored policy, or under `draft` (checked as a
   * save would check it) before it is saved. Audited as `policy.preview`, since it shows the data as a
   * role the person may not hold.
   */
  async preview(actor: Actor, input: PreviewInput, requestId?: string) {
    const summary = await this.table(input.table);
    const table = tableOf(summary);
    let policies: ReturnType<typeof tablePoliciesOf> | undefined;
    let rowFilter: string | null;
    if (input.draft) {
      const state = await checkDraft(table, input.draft);
      policies = tablePoliciesOf(table, state, await readTagState(this.prisma, tagsOf(state)));
      rowFilter = state.rowFilters.find((f) => f.role === input.role)?.predicate ?? null;
    } else {
      rowFilter =
        (
          await this.prisma.rowFilterPolicy.findUnique({
            where: { tableId_role: { tableId: summary.id, role: input.role } },
          })
        )?.predicate ?? null;
    }
    const result = await this.deps.lake.previewTable(
      { userId: actor.id, roles: [input.role] },
      summary.name,
      PREVIEW_MAX_ROWS,
      { policies },
    );
    await this.deps.audit.record(
      actor,
      {
        action: "policy.preview",
        targetType: "table",
        targetId: summary.id,
        details: { table: summary.name, role: input.role, draft: input.draft !== undefined },
      },
      requestId,
    );
    const shown = new Set(result.columns.map((c) => c.name));
    return {
      table: summary.name,
      role: input.role,
      draft: input.draft !== undefined,
      snapshot: result.snapshotSeq,
      columns: result.columns,
      rows: result.rows,
      truncated: result.truncated,
      /** The table's columns the role does not see at all. */
      hiddenColumns: summary.columns.map((c) => c.name).filter((c) => !shown.has(c)),
      rowFilter,
    };
  }

  /** The saved queries a person holding only `role` could open, for the preview's picker. */
  async savedQueries(role: Role) {
    const rows = await this.prisma.savedQuery.findMany({
      where: openableAs(role),
      select: {
        id: true,
        name: true,
        folder: true,
        parameters: true,
        owner: { select: { email: true } },
      },
      orderBy: [{ folder: "asc" }, { name: "asc" }, { id: "asc" }],
      take: 500,
    });
    return {
      items: rows.map((r) => {
        const parsed = declaredParameters.safeParse(r.parameters);
        return {
          id: r.id,
          name: r.name,
          folder: r.folder,
          owner: r.owner.email,
          parameters: parsed.success ? parsed.data : [],
        };
      }),
    };
  }

  /**
   * A saved query run as `role` sees its tables (at most PREVIEW_MAX_ROWS rows): with its declared
   * parameters' types and defaults, values given overriding them. NOT_FOUND when a person holding only
   * that role could not open it. Audited as `policy.preview`.
   */
  async previewSavedQuery(actor: Actor, input: SavedQueryPreviewInput, requestId?: string) {
    const saved = await this.prisma.savedQuery.findFirst({
      where: { AND: [{ id: input.savedQueryId }, openableAs(input.role)] },
      select: { id: true, name: true, sql: true, parameters: true },
    });
    if (!saved) {
      throw new InletError(
        "NOT_FOUND",
        `No saved query '${input.savedQueryId}' that ${input.role} may open`,
        {
          field: "savedQueryId",
        },
      );
    }
    const parsed = declaredParameters.safeParse(saved.parameters);
    const declared = parsed.success ? parsed.data : [];
    const params: Record<string, ParameterArgument> = {};
    for (const d of declared) {
      const given = input.params?.[d.name];
      const value: ParameterValue | undefined =
        given === undefined
          ? d.default
          : typeof given === "object" && !Array.isArray(given)
            ? given.value
            : given;
      if (value !== undefined) params[d.name] = { type: d.type, value };
    }
    for (const [name, arg] of Object.entries(input.params ?? {})) if (!(name in params)) params[name] = arg;
    const result = await this.deps.queries.run(
      { ...actor, roles: [input.role] },
      { sql: saved.sql, params, maxRows: PREVIEW_MAX_ROWS },
    );
    await this.deps.audit.record(
      actor,
      {
        action: "policy.preview",
        targetType: "saved_query",
        targetId: saved.id,
        details: { savedQuery: saved.name, role: input.role },
      },
      requestId,
    );
    return {
      savedQuery: { id: saved.id, name: saved.name },
      role: input.role,
      columns: result.columns,
      rows: result.rows,
      rowCount: result.rowCount,
      truncated: result.truncated,
      tables: result.tables,
    };
  }
}
