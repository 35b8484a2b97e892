// Refreshing analytics tables: the definition run by the QueryEngine over its inputs bound at their
// current snapshots (all of them, or only the changed dt partitions of a partition-local definition's
// input), its result written as ZSTD Parquet under analytics/{slug}/ and committed as a `refresh`
// snapshot with the inputs' seqs; a failure is recorded on the table and leaves its last good snapshot
// current. The inputs are read as the table's creator may see them (their column rules and row
// filters), so a table holds only what its creator could read; a table without a creator is read
// with no role. One refresh per table at a time across processes (a catalog lease); each run is
// recorded in query history as a run of the "refresh" path.
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Logger } from "pino";
import { prepareConnection } from "../adapters/duckdb-sql";
import { errorMessage, InletError } from "../errors";
import type { AccessPolicySource, TableAccess } from "../ports/access-policy";
import type { AnalyticsTableRecord, Catalog, TableSnapshotView } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";
import type { QueryEngine, TableBinding } from "../ports/query-engine";
import type { QueryRunRecorder } from "../ports/query-history";
import { hiddenColumns, tableAccessFor } from "../query/access-rules";
import { bindingOf } from "../query/lake-reader";
import { queryCostUsd } from "../query/price-sheet";
import { type DefinitionPlan, planDefinition } from "./analytics-definition";
import { parquetColumns, writeRefreshFiles } from "./refresh-files";

export interface AnalyticsRefreshDeps {
  catalog: Catalog;
  store: ObjectStore;
  /** Runs definitions; it must write Parquet (exportParquet), as the DuckDB engine does. */
  engine: QueryEngine;
  /** Where each refresh is recorded as a run of the "refresh" path; absent: not recorded. */
  history?: QueryRunRecorder | undefined;
  /** Scratch space for the result before upload (default the OS's temp directory). */
  tmpDir?: string | undefined;
  logger?: Logger | undefined;
  /** The longest a refresh may run (default 10 minutes). */
  timeoutMs?: number | undefined;
  /**
   * The access policies of the inputs: each is read as the table's creator may see it. Absent: the
   * inputs are read whole (nothing restricts anyone).
   */
  policies?: AccessPolicySource | undefined;
  /** A person's roles (none for someone gone or disabled): a refresh reads under its creator's. */
  rolesOf?: ((userId: string) => Promise<string[]>) | undefined;
}

export interface RefreshOptions {
  /** Recompute every partition even when the definition is partition-local. */
  full?: boolean | undefined;
  /** Whose history records the run: the person who asked for it, else the table's creator. */
  ranBy?: string | undefined;
  signal?: AbortSignal | undefined;
}

export type RefreshOutcome =
  | {
      table: string;
      status: "refreshed";
      mode: "full" | "incremental";
      /** The table's seq after the refresh. */
      seq: number;
      /** For an incremental refresh, the partitions recomputed. */
      partitions: string[] | undefined;
      rows: number;
      files: number;
      bytesScanned: number;
      durationMs: number;
    }
  | { table: string; status: "failed"; error: string }
  /** The definition changed, or another refresh committed, while this one ran: its files were discarded. */
  | { table: string; status: "superseded" }
  /** Another process is refreshing the table right now. */
  | { table: string; status: "busy" };

export const DEFAULT_REFRESH_TIMEOUT_MS = 10 * 60_000;

/** The dt value of a partition path ("dt=2024-05-01/region=eu" → "2024-05-01"), or undefined. */
function dtOf(partition: string): string | undefined {
  const first = partition.split("/")[0] ?? "";
  return first.startsWith("dt=") ? first.slice(3) : undefined;
}

/** What an incremental refresh recomputes: the input's dt values whose files changed since it was read. */
interface IncrementalScope {
  input: TableSnapshotView;
  dts: string[];
}

async function incrementalScope(
  catalog: Catalog,
  record: AnalyticsTableRecord,
  plan: DefinitionPlan,
  opts: RefreshOptions,
): Promise<IncrementalScope | undefined> {
  const [input] = plan.views;
  if (opts.full || !plan.locality.local || plan.views.length !== 1 || !input) return undefined;
  if (record.partitionBy.join(",") !== "dt" || input.partitionBy[0] !== "dt") return undefined;
  const since = record.inputs[input.name] ?? 0;
  if (since <= 0 || since > input.seq) return undefined;
  const changed = await catalog.changedPartitions(input.tableId, since, input.seq);
  const dts = changed.map(dtOf);
  if (dts.some((d) => d === undefined)) return undefined;
  return { input, dts: [...new Set(dts as string[])].sort() };
}

/** What the creator may see of each input, by table id (absent or undefined: all of it). */
type CreatorAccess = Map<string, TableAccess | undefined>;

function bindingsFor(
  plan: DefinitionPlan,
  scope: IncrementalScope | undefined,
  access: CreatorAccess,
): TableBinding[] {
  if (!scope) return plan.views.map((v) => bindingOf(v, access.get(v.tableId)));
  const wanted = new Set(scope.dts);
  return [
    bindingOf(
      { ...scope.input, files: scope.input.files.filter((f) => wanted.has(dtOf(f.partition) ?? "")) },
      access.get(scope.input.tableId),
    ),
  ];
}

/**
 * What the table's creator may see of each input. FORBIDDEN, naming the input, when they may see
 * none of its columns: the refresh then fails on the table rather than writing what little is left.
 */
async function creatorAccess(
  deps: AnalyticsRefreshDeps,
  record: AnalyticsTableRecord,
  views: readonly TableSnapshotView[],
): Promise<CreatorAccess> {
  const access: CreatorAccess = new Map();
  if (!deps.policies || views.length === 0) return access;
  const [policies, roles] = await Promise.all([
    deps.policies.tablePolicies(views.map((v) => v.tableId)),
    record.createdById && deps.rolesOf ? deps.rolesOf(record.createdById) : Promise.resolve([]),
  ]);
  for (const view of views) {
    const columns = view.columns.map((c) => c.name);
    const seen = tableAccessFor(policies.get(view.tableId), roles, columns);
    if (seen && hiddenColumns(seen).size >= columns.length) {
      const who = !record.createdById
        ? "The table has no recorded creator, so it is refreshed as someone with no role"
        : roles.length === 0
          ? "The table's creator has no role now (their account is disabled or gone)"
          : "The table's creator may see no column of it";
      throw new InletError(
        "FORBIDDEN",
        `${who}, and ${view.name} has access policies: nothing of ${view.name} may be read for this table. An analytics table reads its inputs as its creator may see them; recreate it as someone who may read ${view.name}.`,
        { table: view.name, policy: "creator" },
      );
    }
    access.set(view.tableId, seen);
  }
  return access;
}

/** The engine's "hidden from you" said of the table's creator, whose view a refresh reads through. */
function asCreator(err: unknown): unknown {
  if (!(err instanceof InletError) || err.code !== "FORBIDDEN") return err;
  return new InletError(
    "FORBIDDEN",
    `${err.message.replace(/\bfrom you\b/, "from the table's creator")} (a refresh reads its inputs as the table's creator may see them)`,
    err.details,
  );
}

function sameColumns(a: { name: string; type: string }[], b: { name: string; type: string }[]): boolean {
  return a.length === b.length && a.every((c, i) => c.name === b[i]?.name && c.type === b[i]?.type);
}

/** Starts the run's history record; a history that cannot record it does not stop the refresh. */
async function startRun(
  deps: AnalyticsRefreshDeps,
  record: AnalyticsTableRecord,
  plan: DefinitionPlan,
  userId: string | undefined,
): Promise<string | undefined> {
  if (!deps.history || !userId) return undefined;
  try {
    return await deps.history.start({
      userId,
      path: "refresh",
      sql: record.definition,
      parameters: {},
      tables: plan.views.map((v) => ({ name: v.name, snapshotSeq: v.seq })),
      engine: deps.engine.kind,
      startedAt: new Date(),
    });
  } catch (err) {
    deps.logger?.warn({ err: errorMessage(err), table: record.name }, "refresh run not recorded");
    return undefined;
  }
}

async function finishRun(
  deps: AnalyticsRefreshDeps,
  runId: string | undefined,
  outcome: { ok: true; rows: number; bytesScanned: number } | { ok: false; error: string },
  startedMs: number,
): Promise<void> {
  if (!deps.history || !runId) return;
  const common = { durationMs: Math.round(performance.now() - startedMs), finishedAt: new Date() };
  await deps.history
    .finish(
      runId,
      outcome.ok
        ? {
            status: "succeeded",
            rowCount: outcome.rows,
            bytesScanned: outcome.bytesScanned,
            costUsd: queryCostUsd(outcome.bytesScanned),
            ...common,
          }
        : { status: "failed", error: outcome.error, ...common },
    )
    .catch((err: unknown) =>
      deps.logger?.warn({ err: errorMessage(err), runId }, "refresh run end not recorded"),
    );
}

/** One refresh of a table whose lease is held. */
async function refreshHeld(
  deps: AnalyticsRefreshDeps,
  record: AnalyticsTableRecord,
  opts: RefreshOptions,
): Promise<RefreshOutcome> {
  const started = performance.now();
  const scratch = join(deps.tmpDir ?? tmpdir(), `inlet-refresh-${randomUUID()}`);
  const uploaded: string[] = [];
  let runId: string | undefined;
  /** Records the run as done (the result was read) and forgets it, so a later failure does not record it again. */
  const finishRunOk = async (exported: { rows: number; bytesScanned: number }) => {
    await finishRun(
      deps,
      runId,
      { ok: true, rows: exported.rows, bytesScanned: exported.bytesScanned },
      started,
    );
    runId = undefined;
  };
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const duck = await instance.connect();
  try {
    await prepareConnection(duck);
    await mkdir(scratch, { recursive: true });
    const plan = await planDefinition(deps.catalog, record.definition);
    if (plan.views.some((v) => v.name === record.name)) {
      throw new InletError("BAD_REQUEST", `The definition reads ${record.name} itself`);
    }
    const scope = await incrementalScope(deps.catalog, record, plan, opts);
    const inputs = Object.fromEntries(plan.views.map((v) => [v.name, v.seq]));
    if (scope && scope.dts.length === 0) {
      // The inputs moved on without a change to any partition this table reads: nothing to recompute.
      const idle = await deps.catalog.transaction((tx) =>
        tx.commitRefresh({
          tableId: record.id,
          definition: record.definition,
          baseSeq: record.currentSeq,
          files: [],
          partitions: [],
          inputs,
          columns: record.columns,
          partitionBy: record.partitionBy,
        }),
      );
      if (!idle) return { table: record.name, status: "superseded" };
      return {
        table: record.name,
        status: "refreshed",
        mode: "incremental",
        seq: idle.seq,
        partitions: [],
        rows: 0,
        files: 0,
        bytesScanned: 0,
        durationMs: Math.round(performance.now() - started),
      };
    }
    const exportParquet = deps.engine.exportParquet?.bind(deps.engine);
    if (!exportParquet) {
      throw new InletError(
        "INVALID_CONFIG",
        `The ${deps.engine.kind} query engine cannot write an analytics table's files`,
      );
    }
    const access = await creatorAccess(deps, record, plan.views);
    runId = await startRun(deps, record, plan, opts.ranBy ?? record.createdById);
    const resultFile = join(scratch, "result.parquet");
    const timeout = AbortSignal.timeout(deps.timeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS);
    const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
    let exported: Awaited<ReturnType<typeof exportParquet>>;
    try {
      exported = await exportParquet(
        { sql: record.definition, tables: bindingsFor(plan, scope, access), signal },
        resultFile,
      );
    } catch (err) {
      if (timeout.aborted) {
        throw new InletError(
          "BAD_REQUEST",
          `The refresh ran longer than ${Math.round((deps.timeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS) / 1000)} s and was stopped`,
        );
      }
      throw asCreator(err);
    }
    const columns = await parquetColumns(duck, resultFile);
    if (scope && !sameColumns(columns, record.columns)) {
      // The result's shape changed (an input gained a column under *): the kept partitions would not match.
      await finishRunOk(exported);
      return await refreshHeld(deps, record, { ...opts, full: true });
    }
    const written = await writeRefreshFiles(
      { duck, store: deps.store },
      {
        resultFile,
        rows: exported.rows,
        columns,
        outDir: join(scratch, "out"),
        tableName: record.name,
        filePrefix: `refresh-${randomUUID()}`,
        uploaded,
      },
    );
    const partitions = scope?.dts.map((d) => `dt=${d}`);
    const committed = await deps.catalog.transaction((tx) =>
      tx.commitRefresh({
        tableId: record.id,
        definition: record.definition,
        baseSeq: record.currentSeq,
        files: written.files,
        partitions,
        inputs,
        columns: written.columns,
        partitionBy: written.partitionBy,
      }),
    );
    await finishRunOk(exported);
    if (!committed) {
      await deps.store.delete(uploaded);
      return { table: record.name, status: "superseded" };
    }
    const durationMs = Math.round(performance.now() - started);
    deps.logger?.info(
      {
        table: record.name,
        mode: scope ? "incremental" : "full",
        seq: committed.seq,
        rows: exported.rows,
        partitions,
        durationMs,
      },
      "refreshed analytics table",
    );
    return {
      table: record.name,
      status: "refreshed",
      mode: scope ? "incremental" : "full",
      seq: committed.seq,
      partitions,
      rows: exported.rows,
      files: written.files.length,
      bytesScanned: exported.bytesScanned,
      durationMs,
    };
  } catch (err) {
    const error = errorMessage(err);
    await finishRun(deps, runId, { ok: false, error }, started);
    if (uploaded.length > 0) await deps.store.delete(uploaded).catch(() => undefined);
    await deps.catalog.recordRefreshFailure(record.id, error);
    deps.logger?.warn(
      { table: record.name, err: error },
      "analytics table refresh failed; its last good snapshot stays",
    );
    return { table: record.name, status: "failed", error };
  } finally {
    duck.closeSync();
    instance.closeSync();
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The lease key one refresher of a table holds. */
export function refreshLeaseKey(name: string): string {
  return `inlet.refresh:${name}`;
}

/**
 * Refreshes one analytics table now (NOT_FOUND when there is none): incrementally when its definition
 * is partition-local and it was refreshed before, else whole. "busy" while another process refreshes it.
 */
export async function refreshAnalyticsTable(
  deps: AnalyticsRefreshDeps,
  name: string,
  opts: RefreshOptions = {},
): Promise<RefreshOutcome> {
  const lease = await deps.catalog.tryLease(refreshLeaseKey(name));
  if (!lease) return { table: name, status: "busy" };
  try {
    // Read under the lease, so the seq and definition are those no other refresh is changing.
    const record = await deps.catalog.getAnalyticsTable(name);
    if (!record) throw new InletError("NOT_FOUND", `No analytics table named '${name}'`, { field: "name" });
    return await refreshHeld(deps, record, opts);
  } finally {
    await lease.release();
  }
}

export interface RefreshDueOptions {
  now?: Date | undefined;
  /** A table whose refresh failed waits this long before the next try (default 5 minutes). */
  retryFailedAfterMs?: number | undefined;
  shouldStop?: (() => boolean) | undefined;
  signal?: AbortSignal | undefined;
}

/** Refreshes every table that is due (see Catalog.dueAnalyticsTables), one at a time. */
export async function refreshDueAnalyticsTables(
  deps: AnalyticsRefreshDeps,
  opts: RefreshDueOptions = {},
): Promise<RefreshOutcome[]> {
  const due = await deps.catalog.dueAnalyticsTables({
    now: opts.now ?? new Date(),
    retryFailedAfterMs: opts.retryFailedAfterMs ?? 5 * 60_000,
  });
  const outcomes: RefreshOutcome[] = [];
  for (const d of due) {
    if (opts.shouldStop?.() || opts.signal?.aborted) break;
    outcomes.push(await refreshAnalyticsTable(deps, d.name, { signal: opts.signal }));
  }
  return outcomes;
}
