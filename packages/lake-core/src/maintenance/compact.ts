// Compaction of curated tables: per partition, many small Parquet files are merged into one and swapped
// in by a `compact` snapshot (old files stay readable for readers of older snapshots).
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDbWork } from "../adapters/duckdb-sql";
import { sqlString } from "../adapters/duckdb-sql";
import { readFooterStats } from "../adapters/parquet-footer-stats";
import type { AcceptBatchDeps } from "../ingest/accept-batch";
import { newBatchId } from "../ingest/raw-batch";
import type { NewDataFile, VisibleFile } from "../ports/catalog";

export interface CompactDeps extends Omit<AcceptBatchDeps, "queue">, DuckDbWork {}

export interface CompactOptions {
  /** A partition is compacted when it has at least this many small files (default 8). */
  minFiles?: number;
  /** Files smaller than this are "small"; merged files aim at about this size (default 64 MiB). */
  targetFileBytes?: number;
}

export interface CompactResult {
  partitions: number;
  filesRemoved: number;
  filesAdded: number;
  /** Merges that lost a race with another compaction or retention and were discarded. */
  conflicts: number;
}

/** Groups of small files to merge: consecutive (oldest first), each up to the target size. */
export function planCompaction(files: VisibleFile[], opts: Required<CompactOptions>): VisibleFile[][] {
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
      if (current.length > 0 && bytes + f.bytes > opts.targetFileBytes) {
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

/** Compacts one table; safe to run concurrently with appends (and with itself: one merge wins). */
export async function compactTable(
  deps: CompactDeps,
  tableName: string,
  options: CompactOptions = {},
): Promise<CompactResult> {
  const opts: Required<CompactOptions> = {
    minFiles: Math.max(2, options.minFiles ?? 8),
    targetFileBytes: options.targetFileBytes ?? 64 * 1024 * 1024,
  };
  const result: CompactResult = { partitions: 0, filesRemoved: 0, filesAdded: 0, conflicts: 0 };
  const view = await deps.catalog.tableSnapshot(tableName);
  if (!view) return result;
  const groups = planCompaction(view.files, opts);
  const partitions = new Set<string>();
  for (const group of groups) {
    const first = group[0]!;
    const id = newBatchId();
    const scratch = join(deps.tmpDir, `compact-${id}`);
    const outPath = join(scratch, "merged.parquet");
    const key = `${first.path.slice(0, first.path.lastIndexOf("/") + 1)}compact-${id}.parquet`;
    try {
      await mkdir(scratch, { recursive: true });
      const paths = await Promise.all(group.map((f) => deps.store.localPath(f.path)));
      const list = paths.map(sqlString).join(", ");
      await deps.duck.run(
        `COPY (SELECT * FROM read_parquet([${list}], union_by_name = true, hive_partitioning = false))
         TO ${sqlString(outPath)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      const bytes = (await stat(outPath)).size;
      const [columnStats] = await readFooterStats(deps.duck, [outPath]);
      await deps.store.put(key, await readFile(outPath), { contentType: "application/vnd.apache.parquet" });
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
        tx.commitCompaction({ tableId: view.tableId, added, removedFileIds: group.map((f) => f.id) }),
      );
      if (!ok) {
        result.conflicts += 1;
        await deps.store.delete([key]);
        continue;
      }
      partitions.add(first.partition);
      result.filesRemoved += group.length;
      result.filesAdded += 1;
      deps.logger?.info(
        { table: tableName, partition: first.partition, merged: group.length, bytes },
        "compacted small files",
      );
    } finally {
      await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    }
  }
  result.partitions = partitions.size;
  return result;
}
