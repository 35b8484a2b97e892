// DuckDbQueryEngine: the embedded QueryEngine, analyst SQL over committed Parquet files in DuckDB.

import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBValueConverter,
  type Json,
  JsonDuckDBValueConverter,
} from "@duckdb/node-api";
import type { Logger } from "pino";
import { errorMessage, InletError } from "../errors";
import type { ColumnSpec } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";
import type {
  BoundFile,
  CsvExport,
  ParquetExport,
  QueryEngine,
  QueryRequest,
  QueryResult,
  TableBinding,
} from "../ports/query-engine";
import { queryErrorOf } from "./duckdb-errors";
import { duckDbParams } from "./duckdb-params";
import { boundPlan, checkBoundPlan, type GuardedRelation, secureShapeOf } from "./duckdb-plan-guard";
import { planningSql } from "./duckdb-planning-sql";
import { scannedParquetBytes } from "./duckdb-scanned-bytes";
import { type RelationColumn, secureSelectSql } from "./duckdb-secure-relation";
import { sqlIdent, sqlString } from "./duckdb-sql";
import { type BoundTableName, checkSerializedQuery } from "./duckdb-sql-guard";
import { type HmacPads, hmacPads } from "./hmac-pads";

export interface DuckDbEngineOptions {
  /** Where the bound tables' files are: DuckDB reads each through the store's local path. */
  store: ObjectStore;
  /** DuckDB worker threads per query; default DuckDB's own (one per core). */
  threads?: number;
  /** Per-query memory limit in DuckDB syntax, e.g. "1GB"; default DuckDB's (80% of RAM). */
  memoryLimit?: string;
  /** Row cap when a request sets no maxRows, so one SELECT * cannot exhaust the API's memory. */
  defaultMaxRows?: number;
  /** Where a query spills what does not fit its memory limit, and CSV exports are written; default the OS's. */
  scratchDir?: string;
  logger?: Logger | undefined;
  /**
   * Locked instances kept between queries over the same tables at the same snapshot (same files),
   * so a repeated query skips creating the instance, binding the views and reading every footer
   * again; default 4, 0 for a fresh instance per query.
   */
  idleInstances?: number;
  /** How long an unused kept instance stays open, in ms; default 60,000. */
  idleMs?: number;
  /** The key hash rules use (HMAC-SHA-256); kept out of the database. Required once a hash rule applies. */
  policyHashKey?: Uint8Array | undefined;
  /**
   * The two checks a query passes before it runs, both on by default: its parse tree against the
   * allowlist (duckdb-sql-guard.ts) and its bound plan against the secure relations
   * (duckdb-plan-guard.ts). Turning one off is for the tests that prove the other holds alone.
   */
  checks?: { parseTree?: boolean; plan?: boolean };
  /**
   * When a restricted query's bound plan is checked: "before" it starts (the default: nothing runs
   * unchecked), or "alongside" it, on a second connection of the same locked instance, once its parse
   * tree has passed — a plan that fails interrupts the query, its instance is discarded, and no row
   * of it is ever returned; saves the second bind (about 15 ms over 300 files) on a statement the
   * instance has not seen. INLET_QUERY_PLAN_CHECK.
   */
  planCheck?: "before" | "alongside";
  /**
   * DuckDB's own file lockdown on each query's instance (on by default): external access off but for
   * the bound files, so even a query that got past both checks could open nothing else. It is the
   * third layer: the parse-tree allowlist refuses every file-reading function and path, and the plan
   * check refuses any scan that is not one bound table's files. Off saves DuckDB's check of each file
   * it opens (8–10 ms a query over 300 files); the configuration is locked either way.
   * INLET_QUERY_FILE_LOCKDOWN.
   */
  fileLockdown?: boolean;
}

/** A locked instance with its views, kept for the next query over exactly the same bound files. */
interface IdleInstance {
  key: string;
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  relations: GuardedRelation[];
  /** A second connection, for checking a plan alongside the query (planCheck "alongside"). */
  planner: DuckDBConnection;
  /** What this instance already worked out about statements it ran (see StatementMemo). */
  memo: StatementMemo;
  /** Each binding's files as local paths, and when the store last handed them out (Date.now()). */
  paths: string[][];
  pathsAt: number;
  spill: string;
  timer: NodeJS.Timeout;
}

/**
 * Per kept instance, by SQL text and parameter values: the tables a statement that passed both checks
 * reads, and the bytes it scanned. Both are functions of the statement and the instance's views (its
 * bound files at one snapshot, under one reader's access), which never change for the instance, so a
 * statement run again on it skips re-checking its plan and re-planning its bytes.
 */
class StatementMemo {
  private static readonly LIMIT = 256;
  readonly checked = new Map<string, Set<number>>();
  readonly scanned = new Map<string, number>();

  static key(req: Pick<QueryRequest, "sql" | "params">): string {
    return JSON.stringify([req.sql, req.params ?? null]);
  }

  remember<T>(map: Map<string, T>, key: string, value: T): void {
    if (map.size >= StatementMemo.LIMIT) map.delete(map.keys().next().value as string);
    map.set(key, value);
  }
}

const DEFAULT_MAX_ROWS = 10_000;
const DEFAULT_IDLE_INSTANCES = 4;
const DEFAULT_IDLE_MS = 60_000;
/**
 * How long a kept instance's local paths are used again without asking the store: resolving 300 files
 * costs 300 existence checks (a HEAD each on S3), about 10-15 ms a query. Well within the time the S3
 * store keeps a file it handed out (cacheGraceMs, 10 minutes by default); a snapshot's files are
 * removed only once no snapshot still current reads them.
 */
const LOCAL_PATHS_FRESH_MS = 30_000;
const NAME_PART = /^[A-Za-z_][A-Za-z0-9_-]*$/;
// Column types come from the catalog; refuse anything that could end the CAST expression early.
const SAFE_TYPE = /^[A-Za-z0-9_ ,()[\]"]+$/;

interface PreparedBinding {
  binding: TableBinding;
  name: BoundTableName;
  /** Exact-case parts, as given, for the DDL. */
  schema: string;
  table: string;
  /** Local paths of the bound files, in the binding's order. */
  files: string[];
}

/** The bindings checked and named, their files not yet resolved to local paths (see localPathsOf). */
function namedBindings(tables: TableBinding[]): PreparedBinding[] {
  const seen = new Set<string>();
  const prepared = tables.map((binding) => {
    const parts = binding.name.split(".");
    if (parts.length > 2 || parts.some((p) => !NAME_PART.test(p))) {
      throw new InletError("INTERNAL", `invalid table binding name: "${binding.name}"`);
    }
    const [schema, table] = parts.length === 2 ? [parts[0]!, parts[1]!] : ["main", parts[0]!];
    const key = `${schema}.${table}`.toLowerCase();
    if (seen.has(key)) throw new InletError("INTERNAL", `table bound twice: ${binding.name}`);
    seen.add(key);
    for (const column of binding.columns ?? []) {
      if (!SAFE_TYPE.test(column.type) || column.name.length === 0) {
        throw new InletError("INTERNAL", `invalid column ${column.name} ${column.type} for ${binding.name}`);
      }
    }
    return {
      binding,
      name: { schema: schema.toLowerCase(), table: table.toLowerCase() },
      schema,
      table,
      files: [] as string[],
    };
  });
  return prepared;
}

/** Each binding's files as the local paths DuckDB reads, from the store (which checks they exist). */
async function localPathsOf(bindings: PreparedBinding[], store: ObjectStore): Promise<string[][]> {
  const paths: string[][] = [];
  for (const b of bindings) {
    paths.push(await Promise.all(b.binding.files.map(async (f) => resolve(await store.localPath(f.key)))));
  }
  return paths;
}

async function prepareBindings(tables: TableBinding[], store: ObjectStore): Promise<PreparedBinding[]> {
  const prepared = namedBindings(tables);
  const paths = await localPathsOf(prepared, store);
  prepared.forEach((p, i) => {
    p.files = paths[i] ?? [];
  });
  return prepared;
}

/** Each bound file by the local path DuckDB reads it at. */
function boundFiles(bindings: PreparedBinding[]): Map<string, BoundFile> {
  const files = new Map<string, BoundFile>();
  for (const b of bindings)
    b.files.forEach((path, i) => {
      const file = b.binding.files[i];
      if (file) files.set(path, file);
    });
  return files;
}

/** The bound files read as one table: a column some files lack reads as NULL in their rows. */
function readFilesSql(b: PreparedBinding): string {
  const list = b.files.map(sqlString).join(", ");
  return `read_parquet([${list}], hive_partitioning = false, union_by_name = true)`;
}

/** The columns the bound files hold, in their order, with their types. */
async function fileColumns(connection: DuckDBConnection, b: PreparedBinding): Promise<ColumnSpec[]> {
  if (b.files.length === 0) return [];
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${readFilesSql(b)}`);
  return reader
    .getRowObjectsJson()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/**
 * The view's columns: those the files hold, then the table's columns no bound file holds yet (one a
 * newer schema version added before any event carried it), read as NULL, so the table reads the same
 * before and after its first file with the column.
 */
function relationColumns(b: PreparedBinding, held: ColumnSpec[]): RelationColumn[] {
  const names = new Set(held.map((c) => c.name.toLowerCase()));
  const declared = b.binding.columns ?? [];
  if (b.files.length === 0) return declared.map((c) => ({ ...c, absent: true }));
  return [
    ...held.map((c) => ({ ...c, absent: false })),
    ...declared.filter((c) => !names.has(c.name.toLowerCase())).map((c) => ({ ...c, absent: true })),
  ];
}

function viewSql(b: PreparedBinding, columns: RelationColumn[], pads: HmacPads | undefined): string {
  const target = `${sqlIdent(b.schema)}.${sqlIdent(b.table)}`;
  if (b.binding.access) {
    const from = b.files.length > 0 ? readFilesSql(b) : undefined;
    return `CREATE VIEW ${target} AS ${secureSelectSql(columns, b.binding.access, from, pads)}`;
  }
  if (b.files.length > 0) {
    const nulls = columns
      .filter((c) => c.absent)
      .map((c) => `, CAST(NULL AS ${c.type}) AS ${sqlIdent(c.name)}`)
      .join("");
    return `CREATE VIEW ${target} AS SELECT *${nulls} FROM ${readFilesSql(b)}`;
  }
  if (columns.length === 0) {
    throw new InletError("BAD_REQUEST", `table ${b.binding.name} has no data yet and no known columns`);
  }
  const select = columns.map((c) => `CAST(NULL AS ${c.type}) AS ${sqlIdent(c.name)}`).join(", ");
  return `CREATE VIEW ${target} AS SELECT ${select} WHERE false`;
}

function timestampIso(epochMicros: bigint, fallback: string): string {
  const millis = epochMicros >= 0n ? epochMicros / 1000n : (epochMicros - 999n) / 1000n;
  const subMillis = Number(epochMicros - millis * 1000n);
  const date = new Date(Number(millis));
  // Beyond JavaScript's Date range (±275,760 years) DuckDB's own rendering is the best there is.
  if (Number.isNaN(date.getTime())) return fallback;
  const iso = date.toISOString();
  return subMillis === 0 ? iso : `${iso.slice(0, -1)}${String(subMillis).padStart(3, "0")}Z`;
}

/** Timestamps as ISO-8601 UTC (naive TIMESTAMPs are read as UTC); everything else as DuckDB's JSON mapping. */
const toJsonSafe: DuckDBValueConverter<Json> = (value, type, self) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
        return value.isFinite ? timestampIso(value.micros, String(value)) : String(value);
      }
      break;
    case DuckDBTypeId.TIMESTAMP_S:
      if (value instanceof DuckDBTimestampSecondsValue) {
        return value.isFinite ? timestampIso(value.seconds * 1_000_000n, String(value)) : String(value);
      }
      break;
    case DuckDBTypeId.TIMESTAMP_MS:
      if (value instanceof DuckDBTimestampMillisecondsValue) {
        return value.isFinite ? timestampIso(value.millis * 1000n, String(value)) : String(value);
      }
      break;
    case DuckDBTypeId.TIMESTAMP_NS:
      if (value instanceof DuckDBTimestampNanosecondsValue) {
        return value.isFinite ? timestampIso(value.nanos / 1000n, String(value)) : String(value);
      }
      break;
  }
  return JsonDuckDBValueConverter(value, type, self);
};

function cancelled(signal: AbortSignal): InletError {
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === "TimeoutError";
  const err = new InletError("BAD_REQUEST", timedOut ? "query timed out" : "query cancelled", {
    aborted: true,
    reason: errorMessage(reason),
  });
  err.cause = reason;
  return err;
}

async function bindPreparedAndLock(
  connection: DuckDBConnection,
  bindings: PreparedBinding[],
  writable: string[] = [],
  pads?: HmacPads,
  fileLockdown = true,
): Promise<GuardedRelation[]> {
  const schemas = new Set(bindings.map((b) => b.schema).filter((s) => s.toLowerCase() !== "main"));
  const files = [...bindings.flatMap((b) => b.files), ...writable];
  try {
    // Dates and times are computed in UTC, as the pipeline writes them.
    await connection.run("SET TimeZone = 'UTC'");
    // Views are bound once when created and again when queried: read each file footer only once.
    await connection.run("SET parquet_metadata_cache = true");
    for (const s of schemas) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${sqlIdent(s)}`);
    // The views read their files when queried, after external access is off: allow exactly those
    // (and the file a CSV export writes: the guard keeps the query itself from naming any path).
    if (fileLockdown && files.length > 0) {
      await connection.run(`SET allowed_paths = [${files.map(sqlString).join(", ")}]`);
    }
    for (const b of bindings) {
      await connection.run(viewSql(b, relationColumns(b, await fileColumns(connection, b)), pads));
    }
    if (fileLockdown) await connection.run("SET enable_external_access = false");
    await connection.run("SET lock_configuration = true");
    // How each restricted table's own view wraps its scan: what the plan check holds queries to.
    const relations: GuardedRelation[] = [];
    for (const b of bindings) {
      const shape =
        b.binding.access && b.files.length > 0
          ? await secureShapeOf(connection, `${sqlIdent(b.schema)}.${sqlIdent(b.table)}`)
          : undefined;
      if (b.binding.access && b.files.length > 0 && !shape) {
        throw new InletError("INTERNAL", `cannot find the secure relation of ${b.binding.name} in its plan`);
      }
      relations.push({ name: b.binding.name, files: b.files, shape });
    }
    return relations;
  } catch (err) {
    if (err instanceof InletError) throw err;
    throw new InletError("INTERNAL", `cannot bind tables: ${errorMessage(err)}`);
  }
}

/**
 * Creates a view per table binding, then turns off all file access except the bound files and
 * locks the configuration, so nothing run on this connection afterwards can read other files.
 */
export async function bindTablesAndLock(
  connection: DuckDBConnection,
  tables: TableBinding[],
  store: ObjectStore,
): Promise<void> {
  await bindPreparedAndLock(connection, await prepareBindings(tables, store));
}

/** A query naming a column a policy hides gets a message saying so, not "not found". */
function hiddenColumnError(err: unknown, bindings: PreparedBinding[]): unknown {
  if (!(err instanceof InletError) || err.code !== "BAD_REQUEST") return err;
  const named = /Referenced column "?([^"\s]+)"? not found/i.exec(err.message)?.[1];
  if (!named) return err;
  for (const b of bindings) {
    const access = b.binding.access;
    if (!access) continue;
    const column = Object.keys(access.roles[0]?.columns ?? {}).find(
      (c) => c.toLowerCase() === named.toLowerCase(),
    );
    if (column && access.roles.every((v) => v.columns[column]?.action === "deny")) {
      return new InletError(
        "FORBIDDEN",
        `Column ${column} of ${b.binding.name} is hidden from you by an access policy`,
        { ...err.details, field: "sql", column, table: b.binding.name, policy: "deny" },
      );
    }
  }
  return err;
}

/**
 * The SQL with its statement terminators (semicolons outside literals, quoted names and comments)
 * blanked out, so a single statement can be wrapped in a subquery. Only used on SQL that
 * extractStatements found to hold exactly one statement, so every such semicolon is a terminator.
 */
export function withoutTerminators(sql: string): string {
  if (!sql.includes(";")) return sql;
  const out = sql.split("");
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? n : end + 1;
    } else if (ch === "/" && next === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === "/" && sql[i + 1] === "*") {
          depth += 1;
          i += 2;
        } else if (sql[i] === "*" && sql[i + 1] === "/") {
          depth -= 1;
          i += 2;
        } else i += 1;
      }
    } else if (ch === "'" || ch === '"') {
      // E'…' strings take backslash escapes; all quoted text ends at an unpaired closing quote.
      const escapes = ch === "'" && /[eE]/.test(sql[i - 1] ?? "") && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? "");
      i += 1;
      while (i < n) {
        if (escapes && sql[i] === "\\") i += 2;
        else if (sql[i] === ch && sql[i + 1] === ch) i += 2;
        else if (sql[i] === ch) break;
        else i += 1;
      }
      i += 1;
    } else if (ch === "$" && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? "")) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end < 0 ? n : end + tag.length;
      } else i += 1;
    } else {
      if (ch === ";") out[i] = " ";
      i += 1;
    }
  }
  return out.join("");
}

export class DuckDbQueryEngine implements QueryEngine {
  readonly kind = "duckdb";
  private readonly opts: DuckDbEngineOptions;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Kept locked instances, oldest first; one is taken out while a query runs on it. */
  private readonly idle: IdleInstance[] = [];
  private closed = false;
  private readonly pads: HmacPads | undefined;

  constructor(opts: DuckDbEngineOptions) {
    this.opts = opts;
    this.pads = opts.policyHashKey ? hmacPads(opts.policyHashKey) : undefined;
  }

  query(req: QueryRequest): Promise<QueryResult> {
    return this.track(() => this.run(req));
  }

  exportCsv(req: Omit<QueryRequest, "maxRows" | "maxResultBytes">): Promise<CsvExport> {
    return this.track(() => this.runToCsv(req));
  }

  exportParquet(req: Omit<QueryRequest, "maxRows" | "maxResultBytes">, file: string): Promise<ParquetExport> {
    return this.track(() => this.runToParquet(req, resolve(file)));
  }

  /** Stops accepting queries and waits for running ones to finish. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(this.idle.splice(0).map((kept) => this.dispose(kept)));
  }

  private async dispose(
    kept: Omit<IdleInstance, "key" | "timer"> & { timer?: NodeJS.Timeout },
  ): Promise<void> {
    if (kept.timer) clearTimeout(kept.timer);
    kept.planner.closeSync();
    kept.connection.closeSync();
    kept.instance.closeSync();
    await rm(kept.spill, { recursive: true, force: true });
  }

  /** A kept instance whose views read exactly these files, taken out of the pool. */
  private takeIdle(key: string): IdleInstance | undefined {
    const i = this.idle.findIndex((kept) => kept.key === key);
    if (i < 0) return undefined;
    const [kept] = this.idle.splice(i, 1);
    if (kept) clearTimeout(kept.timer);
    return kept;
  }

  /** Keeps an instance for the next query over the same files, closing the oldest beyond the limit. */
  private keep(kept: Omit<IdleInstance, "timer">): void {
    const limit = this.opts.idleInstances ?? DEFAULT_IDLE_INSTANCES;
    if (this.closed || limit <= 0) {
      void this.dispose(kept);
      return;
    }
    const timer = setTimeout(() => {
      const i = this.idle.indexOf(entry);
      if (i >= 0) void this.dispose(this.idle.splice(i, 1)[0]!);
    }, this.opts.idleMs ?? DEFAULT_IDLE_MS);
    timer.unref();
    const entry: IdleInstance = { ...kept, timer };
    this.idle.push(entry);
    while (this.idle.length > limit) void this.dispose(this.idle.shift()!);
  }

  private track<T>(start: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new InletError("INTERNAL", "query engine is closed"));
    const run = start();
    this.inFlight.add(run);
    const forget = () => this.inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }

  // Each query runs alone on a locked in-memory instance of its own: its memory_limit is this
  // query's, what does not fit spills to a scratch folder of its own, and the lockdown (external
  // access off but for the bound files, configuration locked) cannot be undone by anything run on
  // it. An instance whose query finished is kept for the next query over exactly the same bound
  // files (same tables at the same snapshot), which then skips creating it, binding the views and
  // reading every file footer again (DuckDB's Parquet metadata cache stays warm). Only SELECTs run
  // on it (checkStatement), so a query leaves nothing behind for the next; an instance whose query
  // was interrupted or failed other than by its own mistake is closed, and one that writes an export
  // (its own file allowed) is never kept.
  private async onLockedConnection<T>(
    req: Omit<QueryRequest, "maxRows" | "maxResultBytes">,
    writable: string[],
    work: (connection: DuckDBConnection) => Promise<T>,
  ): Promise<{ value: T; bytesScanned: number }> {
    const { signal } = req;
    if (signal?.aborted) throw cancelled(signal);
    const bindings = namedBindings(req.tables);
    const key =
      writable.length === 0
        ? JSON.stringify(
            bindings.map((b) => [
              b.schema,
              b.table,
              b.binding.files.map((f) => f.key),
              b.binding.columns ?? [],
              b.binding.access ?? null,
            ]),
          )
        : undefined;
    let kept = key === undefined ? undefined : this.takeIdle(key);
    // A kept instance reads the local paths the store handed out for it; they are asked for again
    // once they are LOCAL_PATHS_FRESH_MS old, and an instance whose files now have other paths is closed.
    let paths = kept?.paths;
    let pathsAt = kept?.pathsAt ?? 0;
    if (!paths || Date.now() - pathsAt >= LOCAL_PATHS_FRESH_MS) {
      const resolved = await localPathsOf(bindings, this.opts.store).catch(async (err: unknown) => {
        if (kept) await this.dispose(kept);
        throw err;
      });
      if (kept && JSON.stringify(resolved) !== JSON.stringify(paths)) {
        await this.dispose(kept);
        kept = undefined;
      }
      paths = resolved;
      pathsAt = Date.now();
    }
    bindings.forEach((b, i) => {
      b.files = paths[i] ?? [];
    });
    let instance: DuckDBInstance | undefined = kept?.instance;
    let connection: DuckDBConnection | undefined = kept?.connection;
    let planner: DuckDBConnection | undefined = kept?.planner;
    let relations = kept?.relations ?? [];
    const memo = kept?.memo ?? new StatementMemo();
    const statement = StatementMemo.key(req);
    const spill = kept?.spill ?? join(this.opts.scratchDir ?? tmpdir(), `inlet-duckdb-spill-${randomUUID()}`);
    let reusable = false;
    // The bytes the statement scans, planned while it runs (see below).
    let measuring: Promise<{ bytes: number } | { err: unknown }> | undefined;
    const interrupt = () => connection?.interrupt();
    signal?.addEventListener("abort", interrupt, { once: true });
    try {
      if (!instance || !connection) {
        instance = await DuckDBInstance.create(":memory:", {
          autoinstall_known_extensions: "false",
          autoload_known_extensions: "false",
          temp_directory: spill,
          ...(this.opts.threads ? { threads: String(this.opts.threads) } : {}),
          ...(this.opts.memoryLimit ? { memory_limit: this.opts.memoryLimit } : {}),
        });
        connection = await instance.connect();
        planner = await instance.connect();
        await planner.run("SET TimeZone = 'UTC'");
        relations = await bindPreparedAndLock(
          connection,
          bindings,
          writable,
          this.pads,
          this.opts.fileLockdown ?? true,
        );
      }
      if (!planner) throw new InletError("INTERNAL", "the instance has no planning connection");
      reusable = true;
      const remembered = memo.checked.get(statement);
      const alongside = remembered === undefined && this.opts.planCheck === "alongside";
      const referenced =
        remembered ??
        (await this.checkStatement(connection, req, bindings, alongside ? [] : relations).catch(
          (err: unknown) => {
            throw hiddenColumnError(err, bindings);
          },
        ));
      // An abort while the tables were bound interrupted nothing that is still running: stop here.
      if (signal?.aborted) throw cancelled(signal);
      const running = work(connection).catch((err: unknown) => {
        if (signal?.aborted) throw cancelled(signal);
        if (err instanceof InletError) throw err;
        throw hiddenColumnError(
          queryErrorOf(err, { sql: req.sql, linesBefore: 1, memoryLimit: this.opts.memoryLimit }),
          bindings,
        );
      });
      // Awaited below, after the plan check when it runs alongside: never reported as unhandled meanwhile.
      running.catch(() => undefined);
      if (alongside) {
        // The plan is checked on the second connection while the query runs; nothing of the query is
        // returned unless it passes, and a query whose plan fails is stopped and its instance closed.
        const checked = await this.checkPlan(planner, req, relations).then(
          () => undefined,
          (err: unknown) => hiddenColumnError(err, bindings),
        );
        if (checked !== undefined) {
          connection.interrupt();
          await running.catch(() => undefined);
          if (!(checked instanceof InletError && checked.details?.planError)) reusable = false;
          throw checked;
        }
      }
      memo.remember(memo.checked, statement, referenced);
      // Planned on the instance's second connection while the query runs (the plan only reads the
      // footers the views already cached), and used only once the query ran: a query's own mistakes
      // are DuckDB's to report, with their place. A query that ran is never failed by its measurement:
      // when its plan cannot be read, the bytes of the files of the tables it names stand in, a bound
      // the real figure never exceeds.
      const known = memo.scanned.get(statement);
      measuring =
        known === undefined
          ? scannedParquetBytes(planner, req.sql, boundFiles(bindings), req.params).then(
              (bytes) => ({ bytes }),
              (err: unknown) => ({ err }),
            )
          : undefined;
      const value = await running;
      const measured = measuring ? await measuring : { bytes: known ?? 0 };
      let bytesScanned: number;
      if ("bytes" in measured) {
        bytesScanned = measured.bytes;
        if (known === undefined) memo.remember(memo.scanned, statement, bytesScanned);
      } else {
        this.opts.logger?.warn(
          { err: measured.err },
          "bytes scanned not measured from the plan; counting whole files",
        );
        bytesScanned = [...referenced].reduce(
          (n, i) => n + (bindings[i]?.binding.files ?? []).reduce((m, f) => m + f.bytes, 0),
          0,
        );
      }
      return { value, bytesScanned };
    } catch (err) {
      // A query's own mistake (bad SQL, a refused statement, a failed cast) leaves the instance as it
      // was; anything else, or an interrupt, may not.
      if (
        signal?.aborted ||
        !(err instanceof InletError) ||
        (err.code !== "BAD_REQUEST" && err.code !== "FORBIDDEN") ||
        err.details?.aborted ||
        err.details?.limit === "memory"
      ) {
        reusable = false;
      }
      throw err;
    } finally {
      signal?.removeEventListener("abort", interrupt);
      // The instance is kept or closed only once nothing runs on its planning connection.
      await measuring;
      if (instance && connection && reusable && key !== undefined && !signal?.aborted) {
        this.keep({
          key,
          instance,
          connection,
          planner: planner ?? connection,
          relations,
          memo,
          spill,
          paths,
          pathsAt,
        });
      } else {
        if (planner !== connection) planner?.closeSync();
        connection?.closeSync();
        instance?.closeSync();
        await rm(spill, { recursive: true, force: true });
      }
    }
  }

  private async run(req: QueryRequest): Promise<QueryResult> {
    const started = performance.now();
    const maxRows = req.maxRows ?? this.opts.defaultMaxRows ?? DEFAULT_MAX_ROWS;
    if (!Number.isInteger(maxRows) || maxRows < 0) {
      throw new InletError("BAD_REQUEST", `maxRows must be a non-negative integer, got ${maxRows}`);
    }
    const maxBytes = req.maxResultBytes ?? Number.POSITIVE_INFINITY;
    const { values, types } = duckDbParams(req.params);
    const { value, bytesScanned } = await this.onLockedConnection(req, [], async (connection) => {
      // Materialised with a LIMIT, not streamed: DuckDB's streaming fetch ends the same way on
      // success and on an error mid-scan (a bad CAST at row 50,000), which would return the rows
      // before it as a complete result. checkStatement ensured a single SELECT, so it can be wrapped.
      const result = await connection.run(
        `SELECT * FROM (\n${withoutTerminators(req.sql)}\n) LIMIT ${maxRows + 1}`,
        values,
        types,
      );
      if (req.signal?.aborted) throw cancelled(req.signal);
      const names = result.deduplicatedColumnNames();
      const columns = names.map((name, i) => ({ name, type: result.columnType(i).toString() }));
      // Converted a chunk at a time, stopping once the rows hold maxResultBytes as JSON.
      const rows: Record<string, unknown>[] = [];
      let bytes = 0;
      let cut = false;
      for (let c = 0; c < result.chunkCount && rows.length < maxRows && !cut; c += 1) {
        for (const values of result.getChunk(c).convertRows(toJsonSafe)) {
          const row = Object.fromEntries(names.map((name, i) => [name, values[i] ?? null]));
          bytes += JSON.stringify(row).length;
          if (bytes > maxBytes && rows.length > 0) {
            cut = true;
            break;
          }
          rows.push(row);
          if (rows.length >= maxRows) break;
        }
      }
      return { columns, rows, truncated: cut || result.rowCount > maxRows };
    });
    return { ...value, bytesScanned, durationMs: Math.round((performance.now() - started) * 1000) / 1000 };
  }

  /**
   * COPY writes the whole result to a CSV file in a folder of its own, which is then streamed and
   * removed: DuckDB's streaming fetch cannot tell an error mid-scan from the end (see run), COPY can.
   */
  private async runToCsv(req: Omit<QueryRequest, "maxRows" | "maxResultBytes">): Promise<CsvExport> {
    const started = performance.now();
    const { values, types } = duckDbParams(req.params);
    const dir = await mkdtemp(join(this.opts.scratchDir ?? tmpdir(), "inlet-csv-"));
    const file = join(dir, "result.csv");
    try {
      const { value: rows, bytesScanned } = await this.onLockedConnection(req, [file], async (connection) => {
        const result = await connection.run(
          `COPY (SELECT * FROM (\n${withoutTerminators(req.sql)}\n)) TO ${sqlString(file)} (FORMAT csv, HEADER true)`,
          values,
          types,
        );
        return result.rowsChanged;
      });
      const body = createReadStream(file, { highWaterMark: 256 * 1024 });
      body.once("close", () => void rm(dir, { recursive: true, force: true }));
      return {
        rows,
        bytesScanned,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        body,
      };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** COPY writes the whole result to the caller's file, the only path the locked connection may write. */
  private async runToParquet(
    req: Omit<QueryRequest, "maxRows" | "maxResultBytes">,
    file: string,
  ): Promise<ParquetExport> {
    const started = performance.now();
    const { values, types } = duckDbParams(req.params);
    const { value: rows, bytesScanned } = await this.onLockedConnection(req, [file], async (connection) => {
      const result = await connection.run(
        `COPY (SELECT * FROM (\n${withoutTerminators(req.sql)}\n)) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`,
        values,
        types,
      );
      return result.rowsChanged;
    });
    return { rows, bytesScanned, durationMs: Math.round((performance.now() - started) * 1000) / 1000 };
  }

  /**
   * One SELECT statement, touching only bound tables, checked twice: its parse tree against the
   * allowlist, then its bound plan against the secure relations. Returns the indexes of the tables it
   * reads (every table when the parse-tree check is off).
   */
  private async checkStatement(
    connection: DuckDBConnection,
    req: Pick<QueryRequest, "sql" | "params">,
    bindings: PreparedBinding[],
    relations: GuardedRelation[],
  ): Promise<Set<number>> {
    const { sql } = req;
    let count: number;
    try {
      count = (await connection.extractStatements(sql)).count;
    } catch (err) {
      throw new InletError("BAD_REQUEST", errorMessage(err).replace(/^Failed to extract statements: /, ""));
    }
    if (count !== 1) {
      throw new InletError("BAD_REQUEST", `exactly one SQL statement is allowed, got ${count}`);
    }
    let referenced = new Set(bindings.map((_, i) => i));
    if (this.opts.checks?.parseTree !== false) {
      const reader = await connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [sql]);
      const serialized = reader.getRowsJson()[0]?.[0];
      if (typeof serialized !== "string") {
        throw new InletError("INTERNAL", "json_serialize_sql returned nothing");
      }
      referenced = checkSerializedQuery(
        serialized,
        bindings.map((b) => b.name),
        sql,
      );
    }
    await this.checkPlan(connection, req, relations);
    return referenced;
  }

  /**
   * The bound plan, checked whenever a table it names is restricted for the reader. With none, there
   * is nothing a plan could read around: every column and row of the bound tables is theirs, and
   * DuckDB itself refuses any file outside them (allowed_paths, external access off).
   */
  private async checkPlan(
    connection: DuckDBConnection,
    req: Pick<QueryRequest, "sql" | "params">,
    relations: GuardedRelation[],
  ): Promise<void> {
    const { sql } = req;
    if (this.opts.checks?.plan !== false && relations.some((r) => r.shape)) {
      const planned = await planningSql(connection, sql, req.params);
      const plan = await boundPlan(connection, planned).catch(async (err: unknown) => {
        // The query's own mistake (an unknown column, a type mismatch): DuckDB's message for the SQL
        // as written places it by line and column. Nothing runs either way.
        if (err instanceof InletError && err.details?.planError) {
          const prepared = await connection.prepare(sql).then(
            (statement) => {
              statement.destroySync();
              return undefined;
            },
            (e: unknown) => e,
          );
          if (prepared !== undefined) throw queryErrorOf(prepared, { sql, linesBefore: 0 });
        }
        throw err;
      });
      checkBoundPlan(plan, relations);
    }
  }
}

export function createDuckDbEngine(opts: DuckDbEngineOptions): DuckDbQueryEngine {
  return new DuckDbQueryEngine(opts);
}
