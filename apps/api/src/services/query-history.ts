// Query history and budgets in the control plane's tables (query_runs, query_budgets): the Prisma
// adapter of lake-core's QueryRunRecorder and QueryBudgetSource, the history's listing with filters
// and keyset paging, and its purge after the days it is kept.
import { type Db, Prisma, type QueryRunStatus, type Role } from "@inlet/db";
import {
  InletError,
  type QueryBudgetSource,
  type QueryRunOutcome,
  type QueryRunRecorder,
  type QueryRunStart,
  type RoleBudget,
} from "@inlet/lake-core";

export interface HistoryFilter {
  /** A person's email (or part of it) or user id; only admins see other people's runs. */
  user?: string | undefined;
  status?: QueryRunStatus | undefined;
  path?: string | undefined;
  /** Text the SQL contains (case-insensitive). */
  text?: string | undefined;
  savedQueryId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

const json = (value: unknown): Prisma.InputJsonValue => JSON.parse(JSON.stringify(value ?? null)) ?? {};

function decimal(value: number | undefined): Prisma.Decimal | undefined {
  return value === undefined ? undefined : new Prisma.Decimal(value.toFixed(8));
}

function bigint(value: number | undefined): bigint | undefined {
  return value === undefined ? undefined : BigInt(Math.round(value));
}

/** A keyset position in the history: newest first by start time, then id. */
function encodeCursor(startedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([startedAt.toISOString(), id])).toString("base64url");
}

function decodeCursor(cursor: string): { startedAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    const startedAt = new Date(String(at));
    if (typeof id === "string" && !Number.isNaN(startedAt.getTime())) return { startedAt, id };
  } catch {
    // refused below
  }
  throw new InletError("BAD_REQUEST", "This history page's cursor is not valid; start from the first page", {
    field: "cursor",
  });
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

export class QueryHistoryStore implements QueryRunRecorder, QueryBudgetSource {
  constructor(private readonly db: Db) {}

  async start(run: QueryRunStart): Promise<string> {
    try {
      const row = await this.db.prisma.queryRun.create({
        data: {
          ...(run.id ? { id: run.id } : {}),
          userId: run.userId,
          path: run.path,
          savedQueryId: run.savedQueryId ?? null,
          sql: run.sql,
          parameters: json(run.parameters),
          tables: json(run.tables),
          engine: run.engine,
          status: "running",
          estimatedBytes: bigint(run.estimatedBytes) ?? null,
          estimatedCostUsd: decimal(run.estimatedCostUsd) ?? null,
          startedAt: run.startedAt,
        },
        select: { id: true },
      });
      return row.id;
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
        throw new InletError(
          "CONFLICT",
          `A query run with id '${run.id}' already exists; choose another id`,
          {
            field: "runId",
          },
        );
      }
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2003") {
        // The saved query was deleted between opening and running it.
        return this.start({ ...run, savedQueryId: undefined });
      }
      throw err;
    }
  }

  async finish(id: string, outcome: QueryRunOutcome): Promise<void> {
    const run = await this.db.prisma.queryRun.update({
      where: { id },
      select: { userId: true, path: true, sql: true, tables: true, user: { select: { email: true } } },
      data: {
        status: outcome.status,
        rowCount: outcome.rowCount ?? null,
        bytesScanned: bigint(outcome.bytesScanned) ?? null,
        costUsd: decimal(outcome.costUsd) ?? null,
        durationMs: Math.round(outcome.durationMs),
        error: outcome.error ?? null,
        ...(outcome.estimatedBytes === undefined
          ? {}
          : {
              estimatedBytes: bigint(outcome.estimatedBytes),
              estimatedCostUsd: decimal(outcome.estimatedCostUsd),
            }),
        ...(outcome.tables ? { tables: json(outcome.tables) } : {}),
        finishedAt: outcome.finishedAt,
      },
    });
    // Every query on every path is audited with the tables and the rules it read them under, allowed
    // or refused — but a source page's latest-events poll (every few seconds while it is open) only
    // when it fails: its runs are all in query history.
    if (run.path === "latest_events" && outcome.status === "succeeded") return;
    await this.db.prisma.auditLog.create({
      data: {
        actorId: run.userId,
        actorEmail: run.user?.email ?? run.userId,
        action: outcome.status === "succeeded" ? "query.run" : `query.${outcome.status}`,
        targetType: "query_run",
        targetId: id,
        details: json({
          path: run.path,
          sql: run.sql.length > 4000 ? `${run.sql.slice(0, 4000)}…` : run.sql,
          tables: run.tables,
          status: outcome.status,
          rows: outcome.rowCount ?? null,
          ...(outcome.error ? { error: outcome.error } : {}),
        }),
      },
    });
  }

  async bytesScannedSince(userId: string, since: Date): Promise<number> {
    const sum = await this.db.prisma.queryRun.aggregate({
      where: { userId, startedAt: { gte: since } },
      _sum: { bytesScanned: true },
    });
    return Number(sum._sum.bytesScanned ?? 0n);
  }

  async budgetsFor(roles: readonly string[]): Promise<RoleBudget[]> {
    const rows = await this.db.prisma.queryBudget.findMany({ where: { role: { in: roles as Role[] } } });
    return rows.map((r) => ({
      role: r.role,
      perQueryBytes: r.perQueryBytes === null ? null : Number(r.perQueryBytes),
      perDayBytes: r.perDayBytes === null ? null : Number(r.perDayBytes),
    }));
  }

  /** Runs newest first, filtered, a page at a time; `userId` set limits them to that person's. */
  async list(
    filter: HistoryFilter & { userId?: string | undefined },
    page: { cursor?: string; limit: number },
  ) {
    const and: Prisma.QueryRunWhereInput[] = [];
    if (filter.userId) and.push({ userId: filter.userId });
    if (filter.user) {
      and.push({
        OR: [
          { userId: filter.user },
          { user: { email: { contains: escapeLike(filter.user), mode: "insensitive" } } },
        ],
      });
    }
    if (filter.status) and.push({ status: filter.status });
    if (filter.path) and.push({ path: filter.path });
    if (filter.savedQueryId) and.push({ savedQueryId: filter.savedQueryId });
    if (filter.text) and.push({ sql: { contains: escapeLike(filter.text), mode: "insensitive" } });
    if (filter.from) and.push({ startedAt: { gte: filter.from } });
    if (filter.to) and.push({ startedAt: { lt: filter.to } });
    if (page.cursor) {
      const at = decodeCursor(page.cursor);
      and.push({ OR: [{ startedAt: { lt: at.startedAt } }, { startedAt: at.startedAt, id: { lt: at.id } }] });
    }
    const rows = await this.db.prisma.queryRun.findMany({
      where: { AND: and },
      orderBy: [{ startedAt: "desc" }, { id: "desc" }],
      take: page.limit + 1,
      include: {
        user: { select: { id: true, email: true, name: true } },
        savedQuery: { select: { id: true, name: true } },
      },
    });
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({
        id: r.id,
        user: r.user,
        path: r.path,
        savedQuery: r.savedQuery,
        sql: r.sql,
        parameters: r.parameters as Record<string, unknown>,
        tables: r.tables as { name: string; snapshotSeq: number }[],
        engine: r.engine,
        status: r.status,
        rowCount: r.rowCount,
        durationMs: r.durationMs,
        estimatedBytes: r.estimatedBytes === null ? null : Number(r.estimatedBytes),
        estimatedCostUsd: r.estimatedCostUsd === null ? null : Number(r.estimatedCostUsd),
        bytesScanned: r.bytesScanned === null ? null : Number(r.bytesScanned),
        costUsd: r.costUsd === null ? null : Number(r.costUsd),
        error: r.error,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
      })),
      nextCursor: rows.length > page.limit && last ? encodeCursor(last.startedAt, last.id) : null,
    };
  }

  /** One run's owner and status, for a cancel: undefined when there is none with that id. */
  async runState(id: string): Promise<{ userId: string; status: QueryRunStatus } | undefined> {
    const row = await this.db.prisma.queryRun.findUnique({
      where: { id },
      select: { userId: true, status: true },
    });
    return row ?? undefined;
  }

  /**
   * Deletes runs started before `before`, and marks runs still "running" after `staleAfter` as failed:
   * their process ended while they ran (a run is stopped at its time limit long before).
   */
  async purge(before: Date, staleBefore: Date): Promise<{ deleted: number; abandoned: number }> {
    const deleted = await this.db.prisma.queryRun.deleteMany({ where: { startedAt: { lt: before } } });
    const abandoned = await this.db.prisma.queryRun.updateMany({
      where: { status: "running", startedAt: { lt: staleBefore } },
      data: {
        status: "failed",
        error: "The query's server stopped while it ran",
        finishedAt: new Date(),
      },
    });
    return { deleted: deleted.count, abandoned: abandoned.count };
  }

  async listBudgets() {
    return this.db.prisma.queryBudget.findMany({ orderBy: { role: "asc" } });
  }
}
