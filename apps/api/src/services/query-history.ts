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

// The run's end, then its audit entry from the row as updated (the SQL cut at 4,000 characters).
// Timestamps are stored as UTC without a zone, as Prisma writes them.
const FINISH_SQL = `
WITH run AS (
  UPDATE query_runs SET
    status = $2::"QueryRunStatus", row_count = $3::int, bytes_scanned = $4::bigint, cost_usd = $5::numeric,
    duration_ms = $6::int, error = $7::text,
    estimated_bytes = COALESCE($8::bigint, estimated_bytes),
    estimated_cost_usd = COALESCE($9::numeric, estimated_cost_usd),
    tables = COALESCE($10::jsonb, tables),
    finished_at = $11::timestamptz AT TIME ZONE 'UTC'
  WHERE id = $1
  RETURNING id, user_id, path, sql, tables
), audited AS (
  INSERT INTO audit_log (at, actor_id, actor_email, action, target_type, target_id, details)
  SELECT now() AT TIME ZONE 'UTC', run.user_id, COALESCE(u.email, run.user_id), $12::text, 'query_run', run.id,
    jsonb_build_object(
      'path', run.path,
      'sql', CASE WHEN length(run.sql) > 4000 THEN left(run.sql, 4000) || '…' ELSE run.sql END,
      'tables', run.tables,
      'status', $2::text,
      'rows', $3::int
    ) || CASE WHEN COALESCE($7::text, '') = '' THEN '{}'::jsonb ELSE jsonb_build_object('error', $7::text) END
  FROM run LEFT JOIN users u ON u.id = run.user_id
  WHERE NOT (run.path = 'latest_events' AND $2::text = 'succeeded')
)
SELECT id FROM run`;

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

  /**
   * Records a run's end and audits it, in one statement (one round trip on the query path). Every query
   * on every path is audited with the tables and the rules it read them under, allowed or refused —
   * but a source page's latest-events poll (every few seconds while it is open) only when it fails:
   * its runs are all in query history.
   */
  async finish(id: string, outcome: QueryRunOutcome): Promise<void> {
    const { rows } = await this.db.pool.query<{ id: string }>(FINISH_SQL, [
      id,
      outcome.status,
      outcome.rowCount ?? null,
      bigint(outcome.bytesScanned)?.toString() ?? null,
      outcome.costUsd === undefined ? null : outcome.costUsd.toFixed(8),
      Math.round(outcome.durationMs),
      outcome.error ?? null,
      bigint(outcome.estimatedBytes)?.toString() ?? null,
      outcome.estimatedBytes === undefined || outcome.estimatedCostUsd === undefined
        ? null
        : outcome.estimatedCostUsd.toFixed(8),
      outcome.tables ? JSON.stringify(json(outcome.tables)) : null,
      outcome.finishedAt.toISOString(),
      outcome.status === "succeeded" ? "query.run" : `query.${outcome.status}`,
    ]);
    if (rows.length === 0) throw new InletError("NOT_FOUND", `No query run with id '${id}'`);
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
