// The SQL workspace's service: a person's query run, estimated, downloaded as CSV or cancelled, all
// through the LakeReader with the person reading; their query history; the per-role byte budgets
// admins set (audited). A saved query's declared parameter types and defaults apply to its runs.
import { type Db, ROLES, type Role } from "@inlet/db";
import {
  InletError,
  type LakeReader,
  type QueryParameterInput,
  type QueryParameterType,
  type Reader,
} from "@inlet/lake-core";
import { z } from "zod";
import type { Actor } from "../auth/session";
import type { AuditService } from "./audit";
import type { HistoryFilter, QueryHistoryStore } from "./query-history";
import type { SavedQueriesService } from "./saved-queries";

/** A parameter's value as the console sends it: bare, or with its type. */
export type ParameterValue = string | number | (string | number)[];
export type ParameterArgument =
  | ParameterValue
  | { type?: QueryParameterType | undefined; value: ParameterValue };

export interface QueryInput {
  sql: string;
  params?: Record<string, ParameterArgument> | undefined;
  savedQueryId?: string | undefined;
}

export interface RunInput extends QueryInput {
  runId?: string | undefined;
  maxRows?: number | undefined;
}

export interface BudgetInput {
  role: Role;
  perQueryBytes: number | null;
  perDayBytes: number | null;
}

const declaredParameters = z.array(
  z.object({
    name: z.string(),
    type: z.enum(["date", "number", "text", "list"]),
    default: z.union([z.string(), z.number(), z.array(z.string())]).optional(),
  }),
);

function readerOf(actor: Actor): Reader {
  return { userId: actor.id, roles: actor.roles };
}

function isAdmin(actor: Actor): boolean {
  return actor.roles.includes("admin");
}

export class QueriesService {
  constructor(
    private readonly deps: {
      db: Db;
      lake: LakeReader;
      history: QueryHistoryStore;
      savedQueries: SavedQueriesService;
      audit: AuditService;
    },
  ) {}

  /** Runs the SQL and returns its rows, with what it scanned, cost and was estimated to. */
  async run(actor: Actor, input: RunInput, signal?: AbortSignal) {
    const params = await this.parameters(actor, input);
    const res = await this.deps.lake.runQuery(readerOf(actor), {
      sql: input.sql,
      params,
      savedQueryId: input.savedQueryId,
      runId: input.runId,
      maxRows: input.maxRows,
      signal,
    });
    return {
      runId: res.runId,
      columns: res.columns,
      rows: res.rows,
      rowCount: res.rowCount,
      truncated: res.truncated,
      bytesScanned: res.bytesScanned,
      costUsd: res.costUsd,
      durationMs: res.durationMs,
      estimate: res.estimate,
      tables: res.tables,
    };
  }

  /** What the SQL would read and cost and whether the person's budgets allow it, without running it. */
  async estimate(actor: Actor, input: QueryInput) {
    const params = await this.parameters(actor, input);
    return this.deps.lake.estimate(readerOf(actor), { sql: input.sql, params });
  }

  /** The whole result as a CSV stream. */
  async csv(actor: Actor, input: QueryInput, signal?: AbortSignal) {
    const params = await this.parameters(actor, input);
    return this.deps.lake.exportCsv(readerOf(actor), {
      sql: input.sql,
      params,
      savedQueryId: input.savedQueryId,
      signal,
    });
  }

  /**
   * Cancels a running query: one's own, or anyone's for an admin. A run that already ended says how; a
   * run that has not started yet (its id chosen by the console) is cancelled as it starts.
   */
  async cancel(actor: Actor, runId: string, requestId?: string) {
    const any = isAdmin(actor);
    const state = await this.deps.history.runState(runId);
    const notFound = new InletError("NOT_FOUND", `No query run '${runId}' of yours`, { field: "runId" });
    if (state && !any && state.userId !== actor.id) throw notFound;
    if (state && state.status !== "running") return { runId, cancelled: false, status: state.status };
    const outcome = this.deps.lake.cancelRun(readerOf(actor), runId, { any });
    if (outcome === "not_found") throw notFound;
    const status = outcome === "cancelled" ? ("cancelling" as const) : ("pending" as const);
    await this.deps.audit.record(
      actor,
      {
        action: "query.cancel",
        targetType: "query_run",
        targetId: runId,
        details: { status, owner: state?.userId ?? null },
      },
      requestId,
    );
    return { runId, cancelled: true, status };
  }

  /** Runs newest first: a person's own, or everyone's for an admin (who may filter by user). */
  history(actor: Actor, filter: HistoryFilter, page: { cursor?: string | undefined; limit: number }) {
    const admin = isAdmin(actor);
    return this.deps.history.list(
      { ...filter, user: admin ? filter.user : undefined, userId: admin ? undefined : actor.id },
      { ...(page.cursor ? { cursor: page.cursor } : {}), limit: page.limit },
    );
  }

  /** Every role with its limits (null: none) and who set them last. */
  async budgets() {
    const rows = await this.deps.history.listBudgets();
    const ids = [...new Set(rows.map((r) => r.updatedById).filter((id): id is string => id !== null))];
    const users = await this.deps.db.prisma.user.findMany({
      where: { id: { in: ids } },
      select: { id: true, email: true },
    });
    const emails = new Map(users.map((u) => [u.id, u.email]));
    return ROLES.map((role) => {
      const row = rows.find((r) => r.role === role);
      return {
        role,
        perQueryBytes: row?.perQueryBytes == null ? null : Number(row.perQueryBytes),
        perDayBytes: row?.perDayBytes == null ? null : Number(row.perDayBytes),
        updatedBy: row?.updatedById ? (emails.get(row.updatedById) ?? null) : null,
        updatedAt: row?.updatedAt ?? null,
      };
    });
  }

  /** Sets a role's limits (null: none), audited as budget.set with the limits before and after. */
  async setBudget(actor: Actor, input: BudgetInput, requestId?: string) {
    const toBig = (n: number | null) => (n === null ? null : BigInt(n));
    await this.deps.db.prisma.$transaction(async (tx) => {
      const before = await tx.queryBudget.findUnique({ where: { role: input.role } });
      const data = {
        perQueryBytes: toBig(input.perQueryBytes),
        perDayBytes: toBig(input.perDayBytes),
        updatedById: actor.id,
      };
      await tx.queryBudget.upsert({
        where: { role: input.role },
        create: { role: input.role, ...data },
        update: data,
      });
      await this.deps.audit.record(
        actor,
        {
          action: "budget.set",
          targetType: "query_budget",
          targetId: input.role,
          details: {
            before: {
              perQueryBytes: before?.perQueryBytes == null ? null : Number(before.perQueryBytes),
              perDayBytes: before?.perDayBytes == null ? null : Number(before.perDayBytes),
            },
            after: { perQueryBytes: input.perQueryBytes, perDayBytes: input.perDayBytes },
          },
        },
        requestId,
        tx,
      );
    });
    return (await this.budgets()).find((b) => b.role === input.role)!;
  }

  /**
   * The values for the SQL's parameters: as typed by the caller, else by the saved query's declaration
   * (its type, and its default for a value not given), else by the value's form. Opening the saved query
   * also checks the person may run it.
   */
  private async parameters(actor: Actor, input: QueryInput): Promise<Record<string, QueryParameterInput>> {
    const declared = input.savedQueryId
      ? declaredParameters.safeParse(
          (await this.deps.savedQueries.openable(actor, input.savedQueryId)).parameters,
        )
      : undefined;
    const declarations = declared?.success ? declared.data : [];
    const out: Record<string, QueryParameterInput> = {};
    for (const d of declarations) {
      if (d.default !== undefined) out[d.name] = { type: d.type, value: d.default };
    }
    for (const [name, arg] of Object.entries(input.params ?? {})) {
      const typed = typeof arg === "object" && arg !== null && !Array.isArray(arg) ? arg : { value: arg };
      const type = typed.type ?? declarations.find((d) => d.name === name)?.type;
      out[name] = { ...(type ? { type } : {}), value: typed.value };
    }
    return out;
  }
}
