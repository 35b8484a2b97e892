// Compaction of curated tables: per partition, many small Parquet files are merged into one and swapped
// in by a `compact` snapshot (old files stay readable for readers of older snapshots). Each merge is one
// DuckDB COPY from the small files straight to the merged file (no row passes through Node), on an
// instance of compaction's own with a memory limit and a spill folder, closed when the table is done;
// the merged file is uploaded from disk as it is read.
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { prepareConnection, sqlString } from "../adapters/duckdb-sql";
import { readFooterStats } from "../adapters/parquet-footer-stats";
import { InletError } from "../errors";
import type { AcceptBatchDeps } from "../ingest/accept-batch";
import { newBatchId } from "../ingest/raw-batch";
import type { NewDataFile, VisibleFile } from "../ports/catalog";

export interface CompactDeps extends Omit<AcceptBatchDeps, "queue"> {
  /** Scratch space: merged files before upload, and DuckDB's spill folder. */
  tmpDir: string;
}

export interface CompactOptions {
  /** A partition is compacted when it has at least this many small files (default 8). */
  minFiles?: number;
  /** Files smaller than this are "small"; merged files aim at about this size (default 64 MiB). */
  targetFileBytes?: number;
  /** The most bytes of small files one merge reads (default: targetFileBytes). */
  maxInputBytes?: number;
  /** DuckDB's memory_limit for merging; what does not fit spills to tmpDir (default 256MB). */
  memoryLimit?: string;
  /** DuckDB threads for merging (default 1). */
  threads?: number;
}

export const DEFAULT_COMPACTION_MEMORY_LIMIT = "256MB";
export const DEFAULT_COMPACTION_THREADS = 1;

export interface CompactResult {
  partitions: number;
  filesRemoved: number;
  filesAdded: number;
  /** Merges that lost a race with another compaction or retention and were discarded. */
  conflicts: number;
}

/** Groups of small files to merge: consecutive (oldest first), each up to maxInputBytes (or the target size). */
export function planCompaction(
  files: VisibleFile[],
  opts: Pick<CompactOptions, "maxInputBytes"> &
    Required<Pick<CompactOptions, "minFiles" | "targetFileBytes">>,
): VisibleFile[][] {
  const maxInput = opts.maxInputBytes ?? opts.targetFileBytes;
  const byPartition = new Map<string, VisibleFile[]>();
  for (const f of files) {
    if (f.bytes >= opts.targetFileBytes) continue;
    const list = byPartition.get(f.partition) ?? [];
    list.push(f);
    byPartition.set(f.partition, list);
  }
  const groups: VisibleFile[][] = [];
  for (const list of byPartition.values()) {
    if (list.length < opts.minFiles) continue;
    list.sort((a, b) => a.addedSeq - b.addedSeq || (a.path < b.path ? -1 : 1));
    let current: VisibleFile[] = [];
    let bytes = 0;
    for (const f of list) {
      if (current.length > 0 && bytes + f.bytes > maxInput) {
        if (current.length >= 2) groups.push(current);
        current = [];
        bytes = 0;
      }
      current.push(f);
      bytes += f.bytes;
    }
    if (current.length >= 2) groups.push(current);
  }
  return groups;
}

function minDate(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

function maxDate(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** A DuckDB size setting ("256MB", "1GiB") in bytes, as DuckDB reads it (MB = 1000², MiB = 1024²). */
export function sizeInBytes(size: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(size);
  const unit = SIZE_UNITS[(m?.[2] || "b").toLowerCase()];
  if (!m || unit === undefined) {
    throw new InletError("INVALID_CONFIG", `not a size such as 256MB or 1GiB: ${JSON.stringify(size)}`);
  }
  return Math.floor(Number(m[1]) * unit);
}

/**
 * The Parquet writer holds a row group whole, per thread, before it compresses and writes it: row
 * groups of an eighth of the memory limit shared among the threads (at least 1 MiB) leave the rest
 * for reading the small files and for compression, so a merge of wide rows stays within the limit
 * instead of failing.
 */
export function mergeRowGroupBytes(memoryLimit: string, threads = 1): number {
  return Math.max(2 ** 20, Math.floor(sizeInBytes(memoryLimit) / 8 / Math.max(1, threads)));
}

/** A DuckDB instance for merging: bounded memory and threads, spilling to a folder of its own. */
async function openMergeEngine(
  spillDir: string,
  opts: { memoryLimit: string; threads: number },
): Promise<{ instance: DuckDBInstance; duck: DuckDBConnection }> {
  await mkdir(spillDir, { recursive: true });
  const instance = await DuckDBInstance.create(":memory:", {
    memory_limit: opts.memoryLimit,
    threads: String(opts.threads),
    temp_directory: spillDir,
    // Needed for ROW_GROUP_SIZE_BYTES; with one thread (the default) rows still keep their order.
    preserve_insertion_order: "false",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  try {
    const duck = await instance.connect();
    await prepareConnection(duck);
    return { instance, duck };
  } catch (err) {
    instance.closeSync();
    throw err;
  }
}

/** Compacts one table; safe to run concurrently with appends (and with itself: one merge wins). */
export async function compactTable(
  deps: CompactDeps,
  tableName: string,
  options: CompactOptions = {},
): Promise<CompactResult> {
  const targetFileBytes = options.targetFileBytes ?? 64 * 1024 * 1024;
  const plan = {
    minFiles: Math.max(2, options.minFiles ?? 8),
    targetFileBytes,
    maxInputBytes: options.maxInputBytes ?? targetFileBytes,
  };
  const result: CompactResult = { partitions: 0, filesRemoved: 0, filesAdded: 0, conflicts: 0 };
  const view = await deps.catalog.tableSnapshot(tableName);
  if (!view) return result;
  const groups = planCompaction(view.files, plan);
  if (groups.length === 0) return result;
  const partitions = new Set<string>();
  const spillDir = join(deps.tmpDir, `compact-spill-${newBatchId()}`);
  const memoryLimit = options.memoryLimit ?? DEFAULT_COMPACTION_MEMORY_LIMIT;
  const threads = Math.max(1, options.threads ?? DEFAULT_COMPACTION_THREADS);
  const rowGroupBytes = mergeRowGroupBytes(memoryLimit, threads);
  const engine = await openMergeEngine(spillDir, { memoryLimit, threads }).catch(async (err: unknown) => {
    await rm(spillDir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  });
  try {
    for (const group of groups) {
      const merged = await mergeGroup(deps, engine.duck, rowGroupBytes, view.tableId, tableName, group);
      if (merged === "conflict") {
        result.conflicts += 1;
        continue;
      }
      partitions.add(group[0]!.partition);
      result.filesRemoved += group.length;
      result.filesAdded += 1;
    }
  } finally {
    engine.duck.closeSync();
    engine.instance.closeSync();
    await rm(spillDir, { recursive: true, force: true }).catch(() => undefined);
  }
  result.partitions = partitions.size;
  return result;
}

/** Merges one group into one file and commits the swap; "conflict" when another writer got there first. */
async function mergeGroup(
  deps: CompactDeps,
  duck: DuckDBConnection,
  rowGroupBytes: number,
  tableId: string,
  tableName: string,
  group: VisibleFile[],
): Promise<"merged" | "conflict"> {
  const first = group[0]!;
  const id = newBatchId();
  const scratch = join(deps.tmpDir, `compact-${id}`);
  const outPath = join(scratch, "merged.parquet");
  const key = `${first.path.slice(0, first.path.lastIndexOf("/") + 1)}compact-${id}.parquet`;
  try {
    await mkdir(scratch, { recursive: true });
    const paths = await Promise.all(group.map((f) => deps.store.localPath(f.path)));
    const list = paths.map(sqlString).join(", ");
    // File to file inside DuckDB: rows stream through its buffer pool, bounded by its memory limit.
    await duck.run(
      `COPY (SELECT * FROM read_parquet([${list}], union_by_name = true, hive_partitioning = false))
       TO ${sqlString(outPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE_BYTES ${rowGroupBytes})`,
    );
    const bytes = (await stat(outPath)).size;
    const [columnStats] = await readFooterStats(duck, [outPath]);
    await deps.store.putFile(key, outPath, { contentType: "application/vnd.apache.parquet" });
    const added: NewDataFile = {
      path: key,
      partition: first.partition,
      rowCount: group.reduce((n, f) => n + f.rowCount, 0),
      bytes,
      minEventTime: group.map((f) => f.minEventTime).reduce(minDate),
      maxEventTime: group.map((f) => f.maxEventTime).reduce(maxDate),
      columnStats: columnStats ?? {},
    };
    const ok = await deps.catalog.transaction((tx) =>
      tx.commitCompaction({ tableId, added, removedFileIds: group.map((f) => f.id) }),
    );
    if (!ok) {
      await deps.store.delete([key]);
      return "conflict";
    }
    deps.logger?.info(
      { table: tableName, partition: first.partition, merged: group.length, bytes },
      "compacted small files",
    );
    return "merged";
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}
