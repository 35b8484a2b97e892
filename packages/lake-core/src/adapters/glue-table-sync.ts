// GlueTableSync: registers a bound table in the Glue Data Catalog exactly as one snapshot holds it —
// a Parquet table whose location is a symlink manifest listing that snapshot's files (one manifest per
// partition), so Athena reads those files and no other: never an uncommitted, replaced or newer one.
// It also names the secure views made over a registration (athena-secure-views.ts) and sweeps them
// with it.
import { createHash } from "node:crypto";
import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  type Column,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetTablesCommand,
  type GetTablesCommandOutput,
  type GlueClient,
  type PartitionInput,
  type StorageDescriptor,
  type TableInput,
  UpdateTableCommand,
} from "@aws-sdk/client-glue";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Logger } from "pino";
import { errorMessage, InletError } from "../errors";
import type { ColumnSpec } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";
import type { BoundFile, TableBinding } from "../ports/query-engine";
import { trinoIdent } from "./athena-sql";
import { glueColumnType } from "./athena-types";
import { sqlString } from "./duckdb-sql";
import { parseS3Url } from "./s3-store";

const SYMLINK_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat";
const IGNORE_KEY_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
const PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
/** BatchCreatePartition takes at most this many partitions a call. */
const PARTITIONS_PER_CALL = 100;
const DEFAULT_TTL_MS = 24 * 60 * 60_000;
const MANAGED = "inlet_managed";
const LAST_USED = "inlet_last_used";

export interface GlueTableSyncOptions {
  glue: GlueClient;
  /** The lake (an s3:// store): the bound files' keys are its keys, and the manifests are written to it. */
  store: ObjectStore;
  /** The Glue database the tables are registered in (created when missing). */
  database: string;
  /** Where manifests go in the store; default `_athena/manifests`. */
  manifestPrefix?: string;
  /**
   * A registration no query has used for this long is dropped by sweep() (default 24 hours). Each
   * process re-confirms the registrations it uses every quarter of this, so none is dropped under it.
   */
  ttlMs?: number;
  logger?: Logger | undefined;
  now?: () => number;
}

export interface GlueRegistration {
  database: string;
  table: string;
  /** `"database"."table"`, as Athena SQL names it. */
  qualified: string;
  partitionKeys: string[];
  partitions: number;
  /** Its columns as Athena reads them: the data columns, then the partition keys (Glue's names and Hive types). */
  columns: { name: string; type: string }[];
}

interface PartitionLayout {
  /** Partition columns, in path order (dt first). */
  keys: ColumnSpec[];
  /** Files by their partition path ("dt=2026-01-01/region=eu"), each with its values. */
  groups: Map<string, { values: string[]; files: BoundFile[] }>;
}

interface CacheEntry {
  registration: Promise<GlueRegistration>;
  confirmedAt: number;
  lastUsed: number;
}

/**
 * The Glue table name for a binding: its SQL name, the snapshot, and a hash of exactly what it reads
 * (files and columns) — a preview binds only a snapshot's newest files, so (table, snapshot) alone
 * would not say which files a registration lists.
 */
export function glueTableName(binding: TableBinding): string {
  const digest = createHash("sha256")
    .update(
      JSON.stringify({
        id: binding.tableId,
        seq: binding.snapshotSeq,
        name: binding.name,
        columns: binding.columns ?? null,
        files: binding.files.map((f) => [f.key, f.bytes]).sort(),
      }),
    )
    .digest("hex")
    .slice(0, 12);
  const base = binding.name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 180);
  return `${base || "table"}__s${binding.snapshotSeq}_${digest}`;
}

const SECURE_VIEW = /^(.*)__v(\d+)_([0-9a-f]{12})_[0-9a-f]{12}$/;

/**
 * The name of a secure view over the registration `table` (a glueTableName) for a reader's access
 * (athena-secure-views.ts): `{name}__v{snapshot}_{files hash}_{access hash}`. It does not hold the
 * registration's own name, so a query pointed at the view never names the raw table.
 */
export function secureViewName(table: string, accessDigest: string): string {
  const m = /^(.*)__s(\d+)_([0-9a-f]{12})$/.exec(table);
  if (!m) throw new InletError("INTERNAL", `not a registration name: ${table}`);
  return `${m[1]}__v${m[2]}_${m[3]}_${accessDigest.slice(0, 12)}`;
}

/** The registration a secure view's name says it reads, or undefined for any other name. */
export function secureViewBase(name: string): string | undefined {
  const m = SECURE_VIEW.exec(name);
  return m ? `${m[1]}__s${m[2]}_${m[3]}` : undefined;
}

/** The Hive partition segments (`name=value`) closing a file's key, before its file name. */
function hiveSegments(key: string): string[] {
  const dirs = key.split("/").slice(0, -1);
  let start = dirs.length;
  while (start > 0 && /^[^=]+=/.test(dirs[start - 1]!)) start -= 1;
  return dirs.slice(start);
}

function decodeValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Partitioned by dt (and the source's extra property) when the table declares dt and every file
 * sits in `dt=…[/{property}=…]` folders naming declared columns; otherwise one unpartitioned manifest.
 */
function partitionLayout(binding: TableBinding, columns: ColumnSpec[]): PartitionLayout | undefined {
  const declared = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  if (!declared.has("dt")) return undefined;
  let names: string[] | undefined;
  const groups: PartitionLayout["groups"] = new Map();
  for (const file of binding.files) {
    const segments = hiveSegments(file.key);
    const fileNames = segments.map((s) => s.slice(0, s.indexOf("=")).toLowerCase());
    if (names === undefined) names = fileNames;
    if (fileNames.join("/") !== names.join("/")) return undefined;
    const path = segments.join("/");
    const group = groups.get(path) ?? {
      values: segments.map((s) => decodeValue(s.slice(s.indexOf("=") + 1))),
      files: [],
    };
    group.files.push(file);
    groups.set(path, group);
  }
  names ??= ["dt"];
  if (names[0] !== "dt" || names.some((n) => !declared.has(n))) return undefined;
  return { keys: names.map((n) => declared.get(n)!), groups };
}

/** The columns the files hold (their Parquet schemas united by name), for a binding that declares none. */
async function fileColumns(binding: TableBinding, store: ObjectStore): Promise<ColumnSpec[]> {
  const paths = await Promise.all(binding.files.map((f) => store.localPath(f.key)));
  const instance = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `DESCRIBE SELECT * FROM read_parquet([${paths.map(sqlString).join(", ")}], union_by_name = true)`,
      );
      return reader
        .getRowObjectsJson()
        .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

function glueFailure(err: unknown, what: string): InletError {
  if (err instanceof InletError) return err;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = err instanceof Error ? err.name : "";
  const transient = status === undefined || status >= 500 || /Throttl|TooMany|Timeout/i.test(name);
  const failure = new InletError(
    transient ? "UNAVAILABLE" : "INTERNAL",
    `Glue ${what} failed: ${errorMessage(err)}`,
  );
  failure.cause = err;
  return failure;
}

export class GlueTableSync {
  private readonly opts: Required<Pick<GlueTableSyncOptions, "manifestPrefix" | "ttlMs">> &
    GlueTableSyncOptions;
  private readonly cache = new Map<string, CacheEntry>();
  /** Tables running queries read, by how many of them. */
  private readonly inUse = new Map<string, number>();
  private database: Promise<void> | undefined;
  private readonly bucket: string;
  private readonly storePrefix: string;
  private lastSweep: number;

  constructor(opts: GlueTableSyncOptions) {
    this.opts = { manifestPrefix: "_athena/manifests", ttlMs: DEFAULT_TTL_MS, ...opts };
    const { bucket, prefix } = parseS3Url(opts.store.url);
    this.bucket = bucket;
    this.storePrefix = prefix;
    this.lastSweep = this.now();
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** s3:// URI of a key of the store. */
  private uri(key: string): string {
    return `s3://${this.bucket}/${this.storePrefix}${key}`;
  }

  private manifestDir(table: string): string {
    return `${this.opts.manifestPrefix}/${this.opts.database}/${table}`;
  }

  /**
   * The binding's Glue table, registered (or re-confirmed) when this process has not lately, and held
   * until release() — a sweep never drops a table a running query reads.
   */
  async lease(binding: TableBinding): Promise<{ registration: GlueRegistration; release(): void }> {
    const table = glueTableName(binding);
    this.inUse.set(table, (this.inUse.get(table) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.inUse.get(table) ?? 1) - 1;
      if (left > 0) this.inUse.set(table, left);
      else this.inUse.delete(table);
      const entry = this.cache.get(table);
      if (entry) entry.lastUsed = this.now();
    };
    try {
      return { registration: await this.register(binding), release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** The binding's Glue table, registered (or re-confirmed) when this process has not lately. */
  register(binding: TableBinding): Promise<GlueRegistration> {
    const table = glueTableName(binding);
    const now = this.now();
    const cached = this.cache.get(table);
    if (cached && now - cached.confirmedAt < this.opts.ttlMs / 4) {
      cached.lastUsed = now;
      return cached.registration;
    }
    const registration = this.registerNow(binding, table, now);
    const entry: CacheEntry = { registration, confirmedAt: now, lastUsed: now };
    this.cache.set(table, entry);
    registration.catch(() => {
      if (this.cache.get(table) === entry) this.cache.delete(table);
    });
    return registration;
  }

  private ensureDatabase(): Promise<void> {
    this.database ??= this.opts.glue
      .send(
        new CreateDatabaseCommand({
          DatabaseInput: {
            Name: this.opts.database,
            Description: "Inlet's lake tables, each registered at the snapshot a query reads",
          },
        }),
      )
      .then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof AlreadyExistsException) return;
          this.database = undefined;
          throw glueFailure(err, `CreateDatabase ${this.opts.database}`);
        },
      );
    return this.database;
  }

  private storageDescriptor(columns: Column[], location: string): StorageDescriptor {
    return {
      Columns: columns,
      Location: location,
      InputFormat: SYMLINK_INPUT_FORMAT,
      OutputFormat: IGNORE_KEY_OUTPUT_FORMAT,
      SerdeInfo: { SerializationLibrary: PARQUET_SERDE },
    };
  }

  private async registerNow(binding: TableBinding, table: string, now: number): Promise<GlueRegistration> {
    const declared = binding.columns && binding.columns.length > 0 ? binding.columns : undefined;
    if (!declared && binding.files.length === 0) {
      throw new InletError("BAD_REQUEST", `table ${binding.name} has no data yet and no known columns`);
    }
    const columns = declared ?? (await fileColumns(binding, this.opts.store));
    const layout = partitionLayout(binding, columns);
    const partitionNames = new Set(layout?.keys.map((k) => k.name.toLowerCase()) ?? []);
    const seen = new Set<string>();
    const dataColumns: Column[] = [];
    for (const c of columns) {
      const name = c.name.toLowerCase();
      if (partitionNames.has(name)) continue;
      // Athena's column names are case-insensitive: two that differ only in case cannot both be read.
      if (seen.has(name))
        throw new InletError("BAD_REQUEST", `table ${binding.name} has two columns named ${name}`);
      seen.add(name);
      dataColumns.push({ Name: name, Type: glueColumnType(c.type, c.name) });
    }
    const partitionKeys: Column[] = (layout?.keys ?? []).map((k) => ({
      Name: k.name.toLowerCase(),
      Type: glueColumnType(k.type, k.name),
    }));

    await this.ensureDatabase();
    const dir = this.manifestDir(table);
    const manifests: { key: string; files: BoundFile[] }[] = layout
      ? [...layout.groups].map(([path, g]) => ({ key: `${dir}/${path}/manifest`, files: g.files }))
      : binding.files.length > 0
        ? [{ key: `${dir}/manifest`, files: binding.files }]
        : [];
    // Manifests first: the table must never be readable before the files it lists are named.
    await Promise.all(
      manifests.map((m) =>
        this.opts.store.put(
          m.key,
          new TextEncoder().encode(m.files.map((f) => `${this.uri(f.key)}\n`).join("")),
          {
            contentType: "text/plain",
          },
        ),
      ),
    );

    const stamp = new Date(now).toISOString();
    const tableInput: TableInput = {
      Name: table,
      Description: `${binding.name} at snapshot ${binding.snapshotSeq}`,
      TableType: "EXTERNAL_TABLE",
      Parameters: {
        EXTERNAL: "TRUE",
        [MANAGED]: "true",
        inlet_table: binding.name,
        inlet_table_id: binding.tableId,
        inlet_snapshot: String(binding.snapshotSeq),
        [LAST_USED]: stamp,
      },
      StorageDescriptor: this.storageDescriptor(dataColumns, `${this.uri(dir)}/`),
      PartitionKeys: partitionKeys,
    };
    try {
      await this.opts.glue.send(
        new CreateTableCommand({ DatabaseName: this.opts.database, TableInput: tableInput }),
      );
    } catch (err) {
      if (!(err instanceof AlreadyExistsException)) throw glueFailure(err, `CreateTable ${table}`);
      // Registered before (by this process or another): same definition, newer last use, so a
      // sweep elsewhere keeps it while it is being read.
      try {
        await this.opts.glue.send(
          new UpdateTableCommand({ DatabaseName: this.opts.database, TableInput: tableInput }),
        );
      } catch (updateErr) {
        throw glueFailure(updateErr, `UpdateTable ${table}`);
      }
    }

    // Always sent, also for a table that existed: a registration cut short has all its partitions now.
    const partitions: PartitionInput[] = layout
      ? [...layout.groups].map(([path, g]) => ({
          Values: g.values,
          StorageDescriptor: this.storageDescriptor(dataColumns, `${this.uri(`${dir}/${path}`)}/`),
        }))
      : [];
    for (let i = 0; i < partitions.length; i += PARTITIONS_PER_CALL) {
      let errors: {
        ErrorDetail?: { ErrorCode?: string; ErrorMessage?: string };
        PartitionValues?: string[];
      }[];
      try {
        const res = await this.opts.glue.send(
          new BatchCreatePartitionCommand({
            DatabaseName: this.opts.database,
            TableName: table,
            PartitionInputList: partitions.slice(i, i + PARTITIONS_PER_CALL),
          }),
        );
        errors = res.Errors ?? [];
      } catch (err) {
        throw glueFailure(err, `BatchCreatePartition ${table}`);
      }
      const failed = errors.filter((e) => e.ErrorDetail?.ErrorCode !== "AlreadyExistsException");
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new InletError(
          "INTERNAL",
          `Glue BatchCreatePartition ${table} failed for ${failed.length} partition(s), e.g. ${first.PartitionValues?.join("/")}: ${first.ErrorDetail?.ErrorMessage ?? first.ErrorDetail?.ErrorCode}`,
        );
      }
    }
    this.opts.logger?.debug(
      { table: binding.name, glueTable: table, partitions: partitions.length },
      "glue table registered",
    );
    return {
      database: this.opts.database,
      table,
      qualified: `${trinoIdent(this.opts.database)}.${trinoIdent(table)}`,
      partitionKeys: partitionKeys.map((k) => k.Name!),
      partitions: partitions.length,
      columns: [...dataColumns, ...partitionKeys].map((c) => ({ name: c.Name!, type: c.Type! })),
    };
  }

  /** Starts a sweep in the background when the last was a quarter of the time to live ago. */
  sweepIfDue(): void {
    const now = this.now();
    if (now - this.lastSweep < this.opts.ttlMs / 4) return;
    this.lastSweep = now;
    this.sweep().catch((err: unknown) => this.opts.logger?.warn({ err }, "glue registrations sweep failed"));
  }

  /**
   * Drops the registrations (tables and manifests) no query has used within the time to live, and
   * the secure views over them (or over a registration already gone, once the view too is that old);
   * returns their names.
   */
  async sweep(): Promise<string[]> {
    const cutoff = this.now() - this.opts.ttlMs;
    for (const [name, entry] of this.cache) {
      if (entry.lastUsed < cutoff && !this.inUse.has(name)) this.cache.delete(name);
    }
    const stale: string[] = [];
    const names = new Set<string>();
    const views: { name: string; base: string; updated: number }[] = [];
    let token: string | undefined;
    do {
      let page: GetTablesCommandOutput;
      try {
        page = await this.opts.glue.send(
          new GetTablesCommand({ DatabaseName: this.opts.database, NextToken: token }),
        );
      } catch (err) {
        if (err instanceof EntityNotFoundException) return [];
        throw glueFailure(err, `GetTables ${this.opts.database}`);
      }
      for (const t of page.TableList ?? []) {
        if (!t.Name) continue;
        names.add(t.Name);
        const base = t.TableType === "VIRTUAL_VIEW" ? secureViewBase(t.Name) : undefined;
        if (base !== undefined) {
          const updated = (t.UpdateTime ?? t.CreateTime)?.getTime() ?? Number.NaN;
          views.push({ name: t.Name, base, updated });
          continue;
        }
        if (t.Parameters?.[MANAGED] !== "true" || this.cache.has(t.Name)) continue;
        const lastUsed = Date.parse(t.Parameters[LAST_USED] ?? "");
        if (Number.isNaN(lastUsed) || lastUsed < cutoff) stale.push(t.Name);
      }
      token = page.NextToken;
    } while (token);
    const staleSet = new Set(stale);
    const staleViews = views
      .filter(
        (v) =>
          staleSet.has(v.base) || (!names.has(v.base) && !this.cache.has(v.base) && !(v.updated >= cutoff)),
      )
      .map((v) => v.name);
    // Views first: none is left reading a registration that is gone.
    for (const name of staleViews) await this.deleteTable(name);
    for (const name of stale) {
      await this.deleteTable(name);
      const keys: string[] = [];
      for await (const o of this.opts.store.list(`${this.manifestDir(name)}/`)) keys.push(o.key);
      if (keys.length > 0) await this.opts.store.delete(keys);
    }
    if (stale.length + staleViews.length > 0) {
      this.opts.logger?.info(
        { dropped: stale.length, views: staleViews.length },
        "unused glue registrations dropped",
      );
    }
    return [...staleViews, ...stale];
  }

  private async deleteTable(name: string): Promise<void> {
    try {
      await this.opts.glue.send(new DeleteTableCommand({ DatabaseName: this.opts.database, Name: name }));
    } catch (err) {
      if (!(err instanceof EntityNotFoundException)) throw glueFailure(err, `DeleteTable ${name}`);
    }
  }
}
