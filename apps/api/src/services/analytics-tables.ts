// Analytics (gold) tables in the control plane: defined as SQL over curated and analytics tables (the
// SQL checked as the person's own query: the read-only guard, its line and column, and that it runs),
// changed, refreshed now, dropped, and shown with their inputs, refresh state and snapshots. Every
// change is audited; a refresh runs as the system and is recorded in the person's query history.
import type { Db } from "@inlet/db";
import {
  type AnalyticsRefreshDeps,
  type AnalyticsTableRecord,
  type Catalog,
  InletError,
  type LakeReader,
  parameterNames,
  planDefinition,
  type RefreshOutcome,
  refreshAnalyticsTable,
} from "@inlet/lake-core";
import { auditedRefusal } from "../auth/role-check";
import type { Actor } from "../auth/session";
import type { AuditService } from "./audit";
import { withCatalogTransaction } from "./catalog-transaction";
import { snapshotView } from "./snapshot-view";

export type RefreshMode = "on_commit" | "schedule";

export interface AnalyticsTableInput {
  /** analytics.{slug}, or the slug alone. */
  name: string;
  definition: string;
  refreshMode: RefreshMode;
  scheduleMinutes?: number | undefined;
}

export interface AnalyticsTableUpdate {
  name: string;
  definition?: string | undefined;
  refreshMode?: RefreshMode | undefined;
  scheduleMinutes?: number | undefined;
}

const PREFIX = "analytics.";

/** analytics.{slug} for a name given with or without its zone. */
export function analyticsName(name: string): string {
  const trimmed = name.trim().toLowerCase();
  return trimmed.startsWith(PREFIX) ? trimmed : `${PREFIX}${trimmed}`;
}

function notFound(name: string): InletError {
  return new InletError("NOT_FOUND", `No analytics table named '${name}'`, { field: "name" });
}

/** A refusal of the SQL (field "sql", as the query path names it) as a refusal of the definition field. */
function asDefinitionError(err: unknown): unknown {
  if (err instanceof InletError && err.details?.field === "sql") {
    return new InletError(err.code, err.message, { ...err.details, field: "definition" });
  }
  return err;
}

/** The last refresh as the console shows it. */
function lastRefreshOf(t: AnalyticsTableRecord) {
  return {
    at: t.lastRefreshAt ?? null,
    status:
      t.lastRefreshAt === undefined
        ? ("never" as const)
        : t.lastRefreshError
          ? ("failed" as const)
          : ("ok" as const),
    error: t.lastRefreshError ?? null,
  };
}

/**
 * What the tables browser shows of an analytics table: its SQL, its inputs (each with the seq the last
 * good refresh read and its current one), how it is refreshed and how the last refresh went.
 */
export async function analyticsDetails(catalog: Catalog, t: AnalyticsTableRecord) {
  const inputs = await Promise.all(
    Object.entries(t.inputs)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(async ([name, readSeq]) => {
        const current = await catalog.getTableSummary(name);
        return {
          name,
          zone: current?.zone ?? null,
          /** The input's seq the last good refresh read (0: none yet). */
          readSeq,
          /** Its current seq; null when the table is gone. */
          currentSeq: current?.currentSeq ?? null,
        };
      }),
  );
  return {
    definition: t.definition,
    inputs,
    refreshMode: t.refreshMode,
    scheduleMinutes: t.scheduleMinutes ?? null,
    lastRefresh: lastRefreshOf(t),
  };
}

function outcomeOf(outcome: RefreshOutcome) {
  switch (outcome.status) {
    case "refreshed":
      return {
        status: "refreshed" as const,
        mode: outcome.mode,
        seq: outcome.seq,
        partitions: outcome.partitions ?? null,
        rows: outcome.rows,
        files: outcome.files,
        bytesScanned: outcome.bytesScanned,
        durationMs: outcome.durationMs,
        error: null,
      };
    case "failed":
      return { status: "failed" as const, error: outcome.error };
    default:
      return { status: outcome.status, error: null };
  }
}

/** What an analytics.update audit row records of the table before and after. */
function auditedSettings(t: {
  definition: string;
  refreshMode: string;
  scheduleMinutes?: number | undefined;
}) {
  return { definition: t.definition, refreshMode: t.refreshMode, scheduleMinutes: t.scheduleMinutes ?? null };
}

export class AnalyticsTablesService {
  constructor(
    private readonly deps: {
      db: Db;
      catalog: Catalog;
      lake: LakeReader;
      audit: AuditService;
      /** How refreshes run: the catalog, the store and an engine that writes Parquet. */
      refresh: AnalyticsRefreshDeps;
    },
  ) {}

  /** An analytics table with its definition, inputs, refresh state, whether it refreshes incrementally, and snapshots. */
  async get(name: string) {
    const full = analyticsName(name);
    const t = await this.deps.catalog.getAnalyticsTable(full);
    if (!t) throw notFound(full);
    const [details, snapshots, creator, incremental] = await Promise.all([
      analyticsDetails(this.deps.catalog, t),
      this.deps.catalog.listSnapshots(t.id, { limit: 20 }),
      t.createdById
        ? this.deps.db.prisma.user.findUnique({ where: { id: t.createdById }, select: { email: true } })
        : Promise.resolve(null),
      this.incremental(t.definition),
    ]);
    return {
      name: t.name,
      ...details,
      incremental,
      columns: t.columns,
      partitionBy: t.partitionBy,
      currentSeq: t.currentSeq,
      createdBy: creator?.email ?? null,
      createdAt: t.createdAt,
      snapshots: {
        total: snapshots.total,
        items: snapshots.items.map(snapshotView),
      },
    };
  }

  /**
   * Registers a table and materializes it at once. The definition is first run as the person's own
   * query (their guard, budgets and history): a refused or failing SQL is a 400 on `definition` with its
   * line and column; a taken name is a 409 on `name`.
   */
  async create(actor: Actor, input: AnalyticsTableInput, requestId?: string) {
    const name = analyticsName(input.name);
    if (await this.deps.catalog.describeTable(name)) throw taken(name);
    const checked = await this.check(actor, input.definition);
    const created = await withCatalogTransaction(this.deps.db, async (tx) => {
      const table = await tx.catalog.createAnalyticsTable({
        name,
        definition: input.definition,
        inputs: checked.inputs,
        columns: checked.columns,
        partitionBy: checked.partitionBy,
        refreshMode: input.refreshMode,
        scheduleMinutes: input.scheduleMinutes,
        createdById: actor.id,
      });
      await this.deps.audit.record(
        actor,
        {
          action: "analytics.create",
          targetType: "table",
          targetId: table.id,
          details: {
            name,
            definition: input.definition,
            inputs: checked.inputs,
            refreshMode: input.refreshMode,
            scheduleMinutes: input.scheduleMinutes ?? null,
          },
        },
        requestId,
        tx.prisma,
      );
      return table;
    });
    const refresh = await refreshAnalyticsTable(this.deps.refresh, created.name, { ranBy: actor.id });
    return { table: await this.get(name), refresh: outcomeOf(refresh) };
  }

  /** Changes the definition (checked like create's, then refreshed whole at once) or how it is refreshed. */
  async update(actor: Actor, input: AnalyticsTableUpdate, requestId?: string) {
    const name = analyticsName(input.name);
    const current = await this.deps.catalog.getAnalyticsTable(name);
    if (!current) throw notFound(name);
    await this.mayChange(actor, current, requestId);
    const newDefinition =
      input.definition !== undefined && input.definition !== current.definition
        ? input.definition
        : undefined;
    const checked = newDefinition === undefined ? undefined : await this.check(actor, newDefinition);
    const changed = await withCatalogTransaction(this.deps.db, async (tx) => {
      const result = await tx.catalog.updateAnalyticsTable(name, {
        definition:
          newDefinition !== undefined && checked
            ? {
                sql: newDefinition,
                inputs: checked.inputs,
                columns: checked.columns,
                partitionBy: checked.partitionBy,
              }
            : undefined,
        refreshMode: input.refreshMode,
        scheduleMinutes: input.scheduleMinutes,
      });
      if (!result) throw notFound(name);
      const { before, after } = result;
      await this.deps.audit.record(
        actor,
        {
          action: "analytics.update",
          targetType: "table",
          targetId: after.id,
          details: {
            name,
            before: auditedSettings(before),
            after: auditedSettings(after),
          },
        },
        requestId,
        tx.prisma,
      );
      return after;
    });
    const refresh =
      newDefinition === undefined
        ? null
        : outcomeOf(await refreshAnalyticsTable(this.deps.refresh, changed.name, { ranBy: actor.id }));
    return { table: await this.get(name), refresh };
  }

  /** Refreshes the table now; a failure is the outcome (status "failed" with its error), not an HTTP error. */
  async refresh(actor: Actor, input: { name: string; full?: boolean | undefined }, requestId?: string) {
    const name = analyticsName(input.name);
    const outcome = await refreshAnalyticsTable(this.deps.refresh, name, {
      ranBy: actor.id,
      full: input.full,
    });
    if (outcome.status === "busy") {
      throw new InletError(
        "CONFLICT",
        `${name} is being refreshed right now; try again when that refresh ends`,
        {
          field: "name",
        },
      );
    }
    const result = outcomeOf(outcome);
    await this.deps.audit.record(
      actor,
      { action: "analytics.refresh", targetType: "table", targetId: name, details: { name, ...result } },
      requestId,
    );
    return { table: await this.get(name), refresh: result };
  }

  /** Drops the table with its snapshots; its files are deleted once that commits. */
  async delete(actor: Actor, input: { name: string }, requestId?: string) {
    const name = analyticsName(input.name);
    const current = await this.deps.catalog.getAnalyticsTable(name);
    if (!current) throw notFound(name);
    await this.mayChange(actor, current, requestId);
    const dropped = await withCatalogTransaction(this.deps.db, async (tx) => {
      const result = await tx.catalog.dropAnalyticsTable(name);
      if (!result) throw notFound(name);
      await this.deps.audit.record(
        actor,
        {
          action: "analytics.delete",
          targetType: "table",
          targetId: current.id,
          details: { name, definition: current.definition, files: result.paths.length },
        },
        requestId,
        tx.prisma,
      );
      return result;
    });
    // Rows went first: a file left behind by a failed delete is an orphan the vacuum would remove.
    await this.deps.refresh.store.delete(dropped.paths).catch(() => undefined);
    return { name, files: dropped.paths.length };
  }

  /** Analysts change the tables they made; engineers and admins change any. */
  private async mayChange(actor: Actor, table: AnalyticsTableRecord, requestId?: string): Promise<void> {
    if (actor.roles.some((r) => r === "admin" || r === "engineer")) return;
    if (table.createdById === actor.id) return;
    throw await auditedRefusal(
      this.deps.audit,
      actor,
      { targetType: "analytics_table", targetId: table.name },
      `${table.name} was defined by someone else; an engineer or an admin can change it`,
      requestId,
    );
  }

  /**
   * Runs the definition as the person's query (no rows kept) and returns what it reads and the columns
   * it makes; its refusals are placed on `definition`.
   */
  private async check(actor: Actor, definition: string) {
    const parameters = parameterNames(definition);
    if (parameters.length > 0) {
      throw new InletError(
        "BAD_REQUEST",
        `A definition takes no parameters: it is refreshed without anyone to give {{${parameters[0]}}} a value`,
        { field: "definition" },
      );
    }
    let ran: Awaited<ReturnType<LakeReader["runQuery"]>>;
    try {
      ran = await this.deps.lake.runQuery(
        { userId: actor.id, roles: actor.roles },
        { sql: definition, maxRows: 0 },
      );
    } catch (err) {
      throw asDefinitionError(err);
    }
    const inputs = ran.tables.map((t) => t.name);
    if (inputs.length === 0) {
      throw new InletError(
        "BAD_REQUEST",
        "An analytics table reads at least one curated or analytics table",
        {
          field: "definition",
        },
      );
    }
    const names = new Set<string>();
    for (const c of ran.columns) {
      const key = c.name.toLowerCase();
      if (names.has(key)) {
        throw new InletError(
          "BAD_REQUEST",
          `The result has two columns named ${c.name}; name each column once (AS …)`,
          {
            field: "definition",
          },
        );
      }
      names.add(key);
    }
    const columns = ran.columns.map((c) => ({ name: c.name, type: c.type }));
    return { inputs, columns, partitionBy: columns.some((c) => c.name === "dt") ? ["dt"] : [] };
  }

  /** Whether refreshes recompute only changed partitions, and why not when they do not. */
  private async incremental(definition: string) {
    try {
      const plan = await planDefinition(this.deps.catalog, definition);
      return plan.locality.local
        ? { eligible: true, reason: null }
        : { eligible: false, reason: `Refreshed whole: ${plan.locality.reason}` };
    } catch (err) {
      return { eligible: false, reason: err instanceof Error ? err.message : String(err) };
    }
  }
}

function taken(name: string): InletError {
  return new InletError("CONFLICT", `A table named ${name} already exists; choose another name`, {
    field: "name",
  });
}
