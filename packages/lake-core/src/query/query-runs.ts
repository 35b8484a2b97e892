// A person's query, from SQL text to rows or a CSV stream: parameters bound, the SQL guarded, its
// tables resolved at their current snapshot, estimated, checked against the person's budgets, run
// under a time limit and a per-person concurrency bound, and recorded in query history however it ends.
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import { inspectQueryTree, refusedStatement } from "../adapters/duckdb-sql-guard";
import { errorMessage, InletError } from "../errors";
import type { AccessPolicySource, TableAccess, TablePolicies } from "../ports/access-policy";
import type { Catalog, ColumnStat, FileColumnStats, TableSnapshotView } from "../ports/catalog";
import type { QueryColumn, QueryEngine, TableBinding } from "../ports/query-engine";
import type {
  QueryBudgetSource,
  QueryRunOutcome,
  QueryRunPath,
  QueryRunRecorder,
  QueryRunStart,
  QueryRunTable,
} from "../ports/query-history";
import { describeRule, hiddenColumns, tableAccessFor } from "./access-rules";
import { readablePartition } from "./mask-record";
import { type PriceSheet, queryCostUsd } from "./price-sheet";
import {
  budgetRefusal,
  type EffectiveBudget,
  effectiveBudget,
  measuredOverLimit,
  startOfUtcDay,
  UNLIMITED,
} from "./query-budget";
import { estimateQuery, type QueryEstimate } from "./query-estimate";
import { resolveTables } from "./resolve-tables";
import { QueryCancelled, RunningQueries } from "./running-queries";
import { type BoundSql, bindParameters, parameterNames, type QueryParameterInput } from "./sql-parameters";
import { parseSql } from "./sql-planner";
import { lineAndColumn } from "./sql-tree";
import { currentSnapshot } from "./table-snapshot-cache";

/** Who is reading: the signed-in person and the roles their policies are chosen by. */
export interface Reader {
  userId: string;
  roles: readonly string[];
}

export interface QueryLimits {
  /** A run longer than this is interrupted. */
  timeoutMs: number;
  /** Runs one person may have going at once. */
  maxConcurrentPerUser: number;
  /** Rows a run returns when the caller asks for no number. */
  defaultRows: number;
  /** The most rows a run returns (a CSV download has no row limit: it streams). */
  maxRows: number;
  /** Rows stop once they hold about this many bytes as JSON. */
  maxResultBytes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = Object.freeze({
  timeoutMs: 60_000,
  maxConcurrentPerUser: 3,
  defaultRows: 10_000,
  maxRows: 100_000,
  maxResultBytes: 64 * 1024 * 1024,
});

export type QueryEstimator = (sql: string, params: Record<string, unknown>) => Promise<QueryEstimate>;

export interface QueryRunsDeps {
  catalog: Catalog;
  engine: QueryEngine;
  history: QueryRunRecorder;
  /** Per-role byte budgets; absent: no budgets. */
  budgets?: QueryBudgetSource | undefined;
  limits?: Partial<QueryLimits> | undefined;
  priceSheet?: PriceSheet | undefined;
  /** Column rules, tags and row filters set on tables; absent: nothing is restricted. */
  policies?: AccessPolicySource | undefined;
  /** How a query's bytes are estimated before it runs; default estimateQuery over the catalog. */
  estimate?: QueryEstimator | undefined;
  logger?: Logger | undefined;
  now?: () => Date;
}

export interface RunQueryInput {
  sql: string;
  /** Values of the SQL's {{name}} placeholders, by name. */
  params?: Record<string, QueryParameterInput> | undefined;
  /** "sql" from the editor, "saved" for a saved query (default "saved" when savedQueryId is set). */
  path?: Extract<QueryRunPath, "sql" | "saved"> | undefined;
  savedQueryId?: string | undefined;
  maxRows?: number | undefined;
  /** Aborts the run, e.g. when its request goes away. */
  signal?: AbortSignal | undefined;
  /** An id the caller chose, so it can cancel the run before it returns; else one is made. */
  runId?: string | undefined;
}

export interface RunQueryResult {
  runId: string;
  columns: QueryColumn[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  rowCount: number;
  bytesScanned: number;
  costUsd: number;
  estimate: QueryEstimate | null;
  durationMs: number;
  tables: QueryRunTable[];
}

export interface CsvRunResult {
  runId: string;
  rows: number;
  bytesScanned: number;
  costUsd: number;
  /** The CSV, header first; streamed, never held in memory. */
  body: Readable;
}

/** The limits that apply to the person, and how far along the day's is. */
export interface BudgetStatus {
  perQuery: { limitBytes: number; role: string } | null;
  perDay: { limitBytes: number; role: string; usedBytes: number } | null;
  /** What a run of the estimated query would be refused with now, if anything. */
  refusal: string | null;
}

export interface EstimateResult extends QueryEstimate {
  /** The {{name}} parameters the SQL uses, in order of first use. */
  parameters: string[];
  /** Those without a value yet (the estimate then reads as if they matched everything). */
  missingParameters: string[];
  budget: BudgetStatus;
}

/** What a query needs to run: its SQL bound, its tables at their snapshots and what the reader may see of each. */
interface PreparedQuery {
  bound: BoundSql;
  views: TableSnapshotView[];
  access: Map<string, TableAccess | undefined>;
}

/** Where a run is known to stand, for recording it however it ends. */
interface RunProgress {
  runId?: string;
  parameters: Record<string, unknown>;
  tables: QueryRunTable[];
  estimate: QueryEstimate | null;
}

/** The rules a table was read under, for history and audit: every column not simply allowed, and the row filter. */
export function policySummary(access: TableAccess | undefined): QueryRunTable["policy"] {
  if (!access) return undefined;
  const columns: Record<string, string> = {};
  for (const column of Object.keys(access.roles[0]?.columns ?? {})) {
    const rules = [
      ...new Set(access.roles.map((v) => describeRule(v.columns[column] ?? { action: "deny" }))),
    ];
    if (rules.length === 1 && rules[0] === "allow") continue;
    columns[column] =
      rules.length === 1
        ? rules[0]!
        : access.roles
            .map((v) => `${v.role}: ${describeRule(v.columns[column] ?? { action: "deny" })}`)
            .join("; ");
  }
  const filters = access.roles.map((v) => v.rowFilter);
  const rowFilter = filters.some((f) => f === null) ? null : filters.map((f) => `(${f})`).join(" OR ");
  return { columns, rowFilter };
}

function tablesOf(
  views: readonly TableSnapshotView[],
  access?: Map<string, TableAccess | undefined>,
): QueryRunTable[] {
  return views.map((v) => {
    const policy = policySummary(access?.get(v.tableId));
    return { name: v.name, snapshotSeq: v.seq, ...(policy ? { policy } : {}) };
  });
}

/**
 * The tables as the reader may see them, for planning and estimating: a column hidden from them is
 * not there, a masked or hashed one is text.
 */
function visibleViews(
  views: readonly TableSnapshotView[],
  access: Map<string, TableAccess | undefined>,
): TableSnapshotView[] {
  return views.map((v) => {
    const a = access.get(v.tableId);
    if (!a) return v;
    const hidden = hiddenColumns(a);
    const restricted = new Set(
      v.columns
        .filter((c) => !a.roles.every((r) => (r.columns[c.name]?.action ?? "deny") === "allow"))
        .map((c) => c.name),
    );
    return {
      ...v,
      columns: v.columns
        .filter((c) => !hidden.has(c.name))
        .map((c) => (restricted.has(c.name) ? { ...c, type: "VARCHAR" } : c)),
      // A file's min, max and null count of a column the reader sees masked, hashed or not at all are
      // its real values: pruning by them would tell (by the files an estimate reads) what the rules hide.
      files: restricted.size === 0 ? v.files : v.files.map((f) => withoutValueStats(f, restricted)),
    };
  });
}

/** The file with only the sizes of `columns` in its statistics (no min, max or null count). */
function withoutValueStats<F extends { columnStats?: FileColumnStats | undefined }>(
  file: F,
  columns: ReadonlySet<string>,
): F {
  const stats = file.columnStats;
  if (!stats) return file;
  const strip = (cols: Record<string, ColumnStat>) =>
    Object.fromEntries(
      Object.entries(cols).map(([name, stat]) => [name, columns.has(name) ? { bytes: stat.bytes } : stat]),
    );
  return {
    ...file,
    columnStats: {
      ...(stats.columns ? { columns: strip(stats.columns) } : {}),
      ...(stats.rowGroups
        ? { rowGroups: stats.rowGroups.map((g) => ({ ...g, columns: strip(g.columns) })) }
        : {}),
    },
  };
}

function bindingsOf(
  views: readonly TableSnapshotView[],
  access?: Map<string, TableAccess | undefined>,
): TableBinding[] {
  return views.map((v) => ({
    access: access?.get(v.tableId),
    name: v.name,
    tableId: v.tableId,
    snapshotSeq: v.seq,
    files: v.files.map((f) => ({
      key: f.path,
      bytes: f.bytes,
      rowCount: f.rowCount,
      ...(f.columnStats ? { columnStats: f.columnStats } : {}),
    })),
    columns: v.columns,
  }));
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** Values of parameters as given (for history), when binding them failed. */
function givenValues(params: Record<string, QueryParameterInput> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params ?? {}).map(([k, v]) => [k, v?.value ?? null]));
}

export class QueryRuns {
  private readonly limits: QueryLimits;
  private readonly running: RunningQueries;

  constructor(private readonly deps: QueryRunsDeps) {
    this.limits = { ...DEFAULT_QUERY_LIMITS, ...deps.limits };
    this.running = new RunningQueries(this.limits.maxConcurrentPerUser);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** What the query would read and cost, and whether the person's budgets allow it; runs nothing. */
  async estimate(
    reader: Reader,
    input: { sql: string; params?: Record<string, QueryParameterInput> | undefined },
  ): Promise<EstimateResult> {
    const names = parameterNames(input.sql);
    const given = Object.fromEntries(
      Object.entries(input.params ?? {}).filter(
        ([, v]) => v && v.value !== undefined && v.value !== null && v.value !== "",
      ),
    );
    const missing = names.filter((n) => !Object.hasOwn(given, n));
    const prepared = await this.prepare(reader, input.sql, given, { estimating: true });
    const [estimate, budget] = await Promise.all([this.estimateOf(prepared), this.budgetOf(reader)]);
    const usedBytes = budget.perDay ? await this.usedToday(reader) : 0;
    const refusal = budgetRefusal(budget, estimate.bytes, usedBytes);
    return {
      ...estimate,
      parameters: names,
      missingParameters: missing,
      budget: {
        perQuery: budget.perQuery,
        perDay: budget.perDay ? { ...budget.perDay, usedBytes } : null,
        refusal: refusal?.message ?? null,
      },
    };
  }

  /** Runs a person's query and returns its rows (at most maxRows); every run is recorded. */
  async run(reader: Reader, input: RunQueryInput): Promise<RunQueryResult> {
    const path = input.path ?? (input.savedQueryId ? "saved" : "sql");
    const maxRows = Math.max(0, Math.min(input.maxRows ?? this.limits.defaultRows, this.limits.maxRows));
    return this.guarded(reader, input, path, async (prepared, budget, signal, progress) => {
      const result = await this.deps.engine.query({
        sql: prepared.bound.sql,
        params: prepared.bound.params,
        tables: bindingsOf(prepared.views, prepared.access),
        maxRows,
        maxResultBytes: this.limits.maxResultBytes,
        maxBytesScanned: budget.perQuery?.limitBytes,
        signal,
      });
      this.checkMeasured(budget, result.bytesScanned);
      const costUsd = this.cost(result.bytesScanned);
      const outcome = { rowCount: result.rows.length, bytesScanned: result.bytesScanned, costUsd };
      return {
        outcome,
        value: (runId: string, durationMs: number): RunQueryResult => ({
          runId,
          columns: result.columns,
          rows: result.rows,
          truncated: result.truncated,
          rowCount: result.rows.length,
          bytesScanned: result.bytesScanned,
          costUsd,
          estimate: progress.estimate,
          durationMs,
          tables: progress.tables,
        }),
      };
    });
  }

  /** Runs a person's query and streams its whole result as CSV; recorded like any run (path "csv"). */
  async exportCsv(reader: Reader, input: Omit<RunQueryInput, "maxRows" | "path">): Promise<CsvRunResult> {
    return this.guarded(reader, input, "csv", async (prepared, budget, signal) => {
      const csv = await this.deps.engine.exportCsv({
        sql: prepared.bound.sql,
        params: prepared.bound.params,
        tables: bindingsOf(prepared.views, prepared.access),
        maxBytesScanned: budget.perQuery?.limitBytes,
        signal,
      });
      try {
        this.checkMeasured(budget, csv.bytesScanned);
      } catch (err) {
        csv.body.destroy();
        throw err;
      }
      const costUsd = this.cost(csv.bytesScanned);
      return {
        outcome: { rowCount: csv.rows, bytesScanned: csv.bytesScanned, costUsd },
        value: (runId: string): CsvRunResult => ({
          runId,
          rows: csv.rows,
          bytesScanned: csv.bytesScanned,
          costUsd,
          body: csv.body,
        }),
      };
    });
  }

  /** Cancels a running run: the owner's own, or anyone's for `any` (admins). */
  cancel(reader: Reader, runId: string, opts: { any: boolean }): "cancelled" | "not_found" | "pending" {
    return this.running.cancel(runId, { userId: reader.userId, any: opts.any });
  }

  /**
   * Records a read that is not a person's SQL (a preview, latest events, a dead letter) as a run of its
   * path: started before `read`, finished with its rows and bytes, or with its error.
   */
  async record<T>(
    reader: Reader,
    what: { path: QueryRunPath; sql: string; tables?: QueryRunTable[]; engine?: string },
    read: (signal: AbortSignal) => Promise<{ value: T; rowCount: number; bytesScanned?: number }>,
  ): Promise<T> {
    const started = performance.now();
    const runId = await this.deps.history.start({
      userId: reader.userId,
      path: what.path,
      sql: what.sql,
      parameters: {},
      tables: what.tables ?? [],
      engine: what.engine ?? this.deps.engine.kind,
      startedAt: this.now(),
    });
    const timeout = AbortSignal.timeout(this.limits.timeoutMs);
    try {
      const { value, rowCount, bytesScanned } = await read(timeout);
      await this.finish(runId, {
        status: "succeeded",
        rowCount,
        bytesScanned,
        costUsd: bytesScanned === undefined ? undefined : this.cost(bytesScanned),
        durationMs: performance.now() - started,
        finishedAt: this.now(),
      });
      return value;
    } catch (err) {
      const failure = timeout.aborted ? this.timedOut() : err;
      await this.finish(runId, {
        status: "failed",
        error: errorMessage(failure),
        durationMs: performance.now() - started,
        finishedAt: this.now(),
      });
      throw failure;
    }
  }

  /**
   * The one pipeline of runQuery and exportCsv: a slot of the person's, the query prepared, the run
   * recorded, the budget checked, `execute` under the time limit, and the run's end recorded.
   */
  private async guarded<T>(
    reader: Reader,
    input: Omit<RunQueryInput, "maxRows">,
    path: QueryRunPath,
    execute: (
      prepared: PreparedQuery,
      budget: EffectiveBudget,
      signal: AbortSignal,
      progress: RunProgress,
    ) => Promise<{
      outcome: Pick<QueryRunOutcome, "rowCount" | "bytesScanned" | "costUsd">;
      value: (runId: string, durationMs: number) => T;
    }>,
  ): Promise<T> {
    const started = performance.now();
    const startedAt = this.now();
    const cancel = new AbortController();
    const timeout = AbortSignal.timeout(this.limits.timeoutMs);
    const signal = AbortSignal.any([cancel.signal, timeout, ...(input.signal ? [input.signal] : [])]);
    const progress: RunProgress = { parameters: givenValues(input.params), tables: [], estimate: null };
    const releases: (() => void)[] = [];
    const start = (id: string | undefined): Promise<string> =>
      this.deps.history.start({
        id,
        userId: reader.userId,
        path,
        savedQueryId: input.savedQueryId,
        sql: input.sql,
        parameters: progress.parameters,
        tables: progress.tables,
        engine: this.deps.engine.kind,
        estimatedBytes: progress.estimate?.bytes,
        estimatedCostUsd: progress.estimate?.costUsd,
        startedAt,
      } satisfies QueryRunStart);
    const estimated = () => ({
      estimatedBytes: progress.estimate?.bytes,
      estimatedCostUsd: progress.estimate?.costUsd,
      // The columns each table was read for, from the estimate's plan: history and audit keep them.
      ...(progress.estimate && progress.tables.length > 0
        ? {
            tables: progress.tables.map((t) => {
              const read = progress.estimate?.tables.find((e) => e.name === t.name)?.columnsRead;
              return read ? { ...t, columns: read } : t;
            }),
          }
        : {}),
    });
    // The start of the run's record, once it is under way (see below).
    let recorded: Promise<string> | undefined;
    // The person's budgets are read while the query is prepared.
    const budgeting = this.budgetOf(reader);
    budgeting.catch(() => undefined);
    try {
      releases.push(this.running.acquire(reader.userId));
      const prepared = await this.prepare(reader, input.sql, input.params ?? {}, { estimating: false });
      progress.parameters = prepared.bound.values;
      progress.tables = tablesOf(prepared.views, prepared.access);
      // Planned beside the run when no budget waits for it: the estimate is then only recorded. The
      // engine is the judge of the SQL (its errors are placed by line and column), so a query the
      // estimator cannot plan still runs when no budget needs its bytes.
      const estimating = this.estimateOf(prepared).then(
        (estimate) => {
          progress.estimate = estimate;
          return { estimate };
        },
        (err: unknown) => {
          // The query's own mistake (bad SQL, a column a policy hides) is the run's to report.
          const own = err instanceof InletError && (err.code === "BAD_REQUEST" || err.code === "FORBIDDEN");
          if (own) this.deps.logger?.debug({ err }, "query estimate refused the query");
          else this.deps.logger?.warn({ err }, "query estimate failed");
          return { err };
        },
      );
      // The run's record is written while the query runs, under an id chosen here; its end is written
      // only after it (and before the result is returned), and a run whose start cannot be recorded is
      // stopped and fails: no run goes unrecorded.
      const runId = input.runId ?? randomUUID();
      const recording = start(runId);
      recorded = recording;
      recording.catch((err: unknown) => cancel.abort(err));
      releases.push(this.running.register(runId, reader.userId, cancel));
      const budget = await budgeting;
      if (budget.perQuery || budget.perDay) {
        const [planned, used] = await Promise.all([estimating, budget.perDay ? this.usedToday(reader) : 0]);
        if ("err" in planned) throw planned.err;
        const refusal = budgetRefusal(budget, planned.estimate.bytes, used);
        if (refusal) throw refusal;
      }
      if (signal.aborted) throw new InletError("CANCELLED", "The query was cancelled", { aborted: true });
      const executing = execute(prepared, budget, signal, progress);
      executing.catch(() => undefined);
      // A run whose start was not recorded was stopped (above): it fails with why, once it has stopped.
      progress.runId = await recording.catch(async (err: unknown) => {
        await executing.catch(() => undefined);
        throw err;
      });
      const done = await executing;
      await estimating;
      const durationMs = performance.now() - started;
      await this.finish(runId, {
        status: "succeeded",
        ...done.outcome,
        ...estimated(),
        durationMs,
        finishedAt: this.now(),
      });
      return done.value(runId, Math.round(durationMs));
    } catch (err) {
      const failure = this.explain(err, { cancel, timeout, request: input.signal });
      const measured = failure instanceof InletError ? failure.details?.bytesScanned : undefined;
      try {
        progress.runId ??= (await recorded?.catch(() => undefined)) ?? (await start(input.runId));
        await this.finish(progress.runId, {
          status: failure instanceof InletError && failure.code === "CANCELLED" ? "cancelled" : "failed",
          error: errorMessage(failure),
          ...estimated(),
          ...(typeof measured === "number" ? { bytesScanned: measured, costUsd: this.cost(measured) } : {}),
          durationMs: performance.now() - started,
          finishedAt: this.now(),
        });
      } catch (recordErr) {
        this.deps.logger?.error({ err: recordErr, userId: reader.userId }, "query run not recorded");
      }
      throw failure;
    } finally {
      for (const release of releases) release();
    }
  }

  /** Binds the parameters, guards the SQL and resolves its tables at their current snapshots. */
  private async prepare(
    reader: Reader,
    sql: string,
    params: Record<string, QueryParameterInput>,
    /** Estimating as the SQL is typed: parameters may lack values. */
    opts: { estimating: boolean },
  ): Promise<PreparedQuery> {
    const refused = refusedStatement(sql);
    if (refused) throw refused;
    const bound = bindParameters(sql, params, { allowMissing: opts.estimating });
    const tree = await parseSql(bound.sql);
    let refs: ReturnType<typeof inspectQueryTree>;
    try {
      refs = inspectQueryTree(tree);
    } catch (err) {
      throw located(err, bound.sql);
    }
    // A table's files and statistics are read again only when its version changed (table-snapshot-cache.ts).
    const views = await resolveTables(
      { tableSnapshot: (name) => currentSnapshot(this.deps.catalog, name) },
      bound.sql,
      refs,
    );
    return { bound, views, access: await this.accessOf(reader, views) };
  }

  /**
   * What the reader may see of each table (by table id): their roles' column rules and row filters,
   * or `override` for tables it names (a draft being previewed). Undefined for a table nothing restricts.
   */
  async accessOf(
    reader: Reader,
    views: readonly TableSnapshotView[],
    override?: Map<string, TablePolicies>,
  ): Promise<Map<string, TableAccess | undefined>> {
    const stored =
      this.deps.policies && views.length > 0
        ? await this.deps.policies.tablePolicies(views.map((v) => v.tableId))
        : new Map<string, TablePolicies>();
    return new Map(
      views.map((v) => [
        v.tableId,
        tableAccessFor(
          override?.get(v.tableId) ?? stored.get(v.tableId),
          reader.roles,
          v.columns.map((c) => c.name),
        ),
      ]),
    );
  }

  private async estimateOf(prepared: PreparedQuery): Promise<QueryEstimate> {
    const values: Record<string, unknown> = { ...prepared.bound.params };
    const estimate = this.deps.estimate
      ? this.deps.estimate(prepared.bound.sql, values)
      : estimateQuery(
          {
            catalog: this.deps.catalog,
            // Estimated at exactly the snapshots the run binds, as the reader may see them.
            snapshots: visibleViews(prepared.views, prepared.access),
            priceSheet: this.deps.priceSheet,
          },
          prepared.bound.sql,
          values,
        );
    try {
      const found = await estimate;
      // A partition's name holds its rows' value of the partition column: shown as the reader may see it.
      const byName = new Map(prepared.views.map((v) => [v.name, prepared.access.get(v.tableId)]));
      return {
        ...found,
        tables: found.tables.map((t) => {
          const access = byName.get(t.name);
          if (!access) return t;
          const partitionsRead = [
            ...new Set(t.partitionsRead.map((p) => readablePartition(p, access))),
          ].sort();
          return { ...t, partitionsRead };
        }),
      };
    } catch (err) {
      if (err instanceof InletError && err.code === "BAD_REQUEST") {
        throw hiddenByPolicy(located(err, prepared.bound.sql), prepared);
      }
      throw new InletError(
        "UNAVAILABLE",
        `The query's bytes could not be estimated, so its budget cannot be checked: ${errorMessage(err)}`,
      );
    }
  }

  private async budgetOf(reader: Reader): Promise<EffectiveBudget> {
    if (!this.deps.budgets) return UNLIMITED;
    return effectiveBudget(reader.roles, await this.deps.budgets.budgetsFor(reader.roles));
  }

  private usedToday(reader: Reader): Promise<number> {
    return this.deps.history.bytesScannedSince(reader.userId, startOfUtcDay(this.now()));
  }

  /**
   * DuckDB knows the bytes a query read only once it has run, so a query whose estimate was within its
   * per-query limit but which read more fails here, after the fact, and its rows are withheld. Athena
   * stops such a query itself: the adapter maps the limit to the workgroup's BytesScannedCutoffPerQuery.
   */
  private checkMeasured(budget: EffectiveBudget, bytesScanned: number): void {
    const over = measuredOverLimit(budget, bytesScanned);
    if (over) throw over;
  }

  private cost(bytes: number): number {
    return queryCostUsd(bytes, this.deps.priceSheet);
  }

  private timedOut(): InletError {
    return new InletError(
      "BAD_REQUEST",
      `The query ran longer than the time limit of ${seconds(this.limits.timeoutMs)} and was stopped`,
      { field: "sql", limit: "time", timeoutMs: this.limits.timeoutMs },
    );
  }

  /** The error a person sees: which limit stopped the run, or who cancelled it. */
  private explain(
    err: unknown,
    signals: { cancel: AbortController; timeout: AbortSignal; request: AbortSignal | undefined },
  ): unknown {
    const aborted = err instanceof InletError && err.details?.aborted === true;
    if (!aborted && !(err instanceof InletError && err.code === "CANCELLED")) return err;
    if (signals.cancel.signal.aborted) {
      const reason: unknown = signals.cancel.signal.reason;
      const by = reason instanceof QueryCancelled ? reason.byUserId : undefined;
      return new InletError("CANCELLED", "The query was cancelled", { cancelledBy: by ?? null });
    }
    if (signals.timeout.aborted) return this.timedOut();
    if (signals.request?.aborted) {
      return new InletError(
        "CANCELLED",
        "The query was cancelled: its request was closed before it finished",
      );
    }
    return err;
  }

  private async finish(runId: string, outcome: QueryRunOutcome): Promise<void> {
    const rounded = { ...outcome, durationMs: Math.round(outcome.durationMs) };
    try {
      await this.deps.history.finish(runId, rounded);
    } catch (err) {
      // The person's answer stands; a run left "running" in history is marked failed by the purge.
      this.deps.logger?.error({ err, runId }, "query run end not recorded");
    }
  }
}

/** A refusal that carries a byte offset into the SQL (the guard's, the planner's) placed by line and column. */
/** "Referenced column x not found" for a column a policy hides from the reader says so instead. */
function hiddenByPolicy(err: unknown, prepared: PreparedQuery): unknown {
  if (!(err instanceof InletError)) return err;
  const named = /Referenced column "?([^"\s]+)"? not found/i.exec(err.message)?.[1]?.toLowerCase();
  if (!named) return err;
  for (const view of prepared.views) {
    const column = [...hiddenColumns(prepared.access.get(view.tableId))].find(
      (c) => c.toLowerCase() === named,
    );
    if (column) {
      return new InletError(
        "FORBIDDEN",
        `Column ${column} of ${view.name} is hidden from you by an access policy`,
        {
          ...err.details,
          field: "sql",
          column,
          table: view.name,
          policy: "deny",
        },
      );
    }
  }
  return err;
}

function located(err: unknown, sql: string): unknown {
  if (!(err instanceof InletError) || typeof err.details?.offset !== "number") return err;
  if (typeof err.details.line === "number") return err;
  const { offset, ...details } = err.details;
  const at = lineAndColumn(sql, offset);
  return new InletError(err.code, `${err.message} (line ${at.line}, column ${at.column})`, {
    ...details,
    ...at,
  });
}
