// Vacuum of curated and analytics tables: deletes the Parquet files no snapshot within the retention
// period can read (replaced by compaction or a refresh), and orphans (uploaded by a flush, compaction or
// refresh that never committed).
import type { Logger } from "pino";
import type { Catalog } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";

export interface VacuumDeps {
  catalog: Catalog;
  store: ObjectStore;
  logger?: Logger;
}

export interface VacuumOptions {
  /**
   * A replaced file stays this long after the snapshot that replaced it, and an uncommitted file this
   * long after it was written, so queries planned on an older snapshot and flushes in progress keep
   * their files (default 1 hour).
   */
  retentionMs?: number;
  /** Deletes at most this many files per call (default 10,000). */
  limit?: number;
}

export interface VacuumResult {
  /** Files replaced longer ago than the retention period. */
  expiredFiles: number;
  /** Objects under the table's prefix that no data file row names, older than the retention period. */
  orphanFiles: number;
  bytesFreed: number;
}

export const DEFAULT_FILE_RETENTION_MS = 60 * 60_000;

/**
 * Vacuums one curated or analytics table. Catalog rows go first, in one transaction, then the objects:
 * a crash in between leaves objects no row names, which the next call removes as orphans.
 */
export async function vacuumTable(
  deps: VacuumDeps,
  tableName: string,
  options: VacuumOptions = {},
): Promise<VacuumResult> {
  const retentionMs = Math.max(0, options.retentionMs ?? DEFAULT_FILE_RETENTION_MS);
  const limit = Math.max(1, options.limit ?? 10_000);
  const result: VacuumResult = { expiredFiles: 0, orphanFiles: 0, bytesFreed: 0 };
  const table = await deps.catalog.describeTable(tableName);
  if (table?.zone !== "curated" && table?.zone !== "analytics") return result;

  // A file is expired when the snapshot that removed it was committed before the cutoff. The table row
  // is locked so a compaction cannot commit against the files while their rows are being deleted.
  const expired = await deps.catalog.transaction((tx) =>
    tx.expireReplacedFiles(table.id, retentionMs, limit),
  );
  if (expired.length > 0) {
    await deps.store.delete(expired.map((r) => r.path));
    result.expiredFiles = expired.length;
    result.bytesFreed += expired.reduce((n, r) => n + r.bytes, 0);
  }

  const prefix =
    table.zone === "analytics"
      ? `analytics/${table.name.slice(table.name.indexOf(".") + 1)}/`
      : table.sourceSlug === undefined
        ? undefined
        : `curated/${table.sourceSlug}/`;
  if (prefix !== undefined) {
    const cutoff = Date.now() - retentionMs;
    const old: { key: string; size: number }[] = [];
    for await (const o of deps.store.list(prefix)) {
      if (o.lastModified.getTime() < cutoff && o.key.endsWith(".parquet")) {
        old.push({ key: o.key, size: o.size });
      }
    }
    // Checked against the catalog after listing: a file committed meanwhile has its row by now.
    const known = await deps.catalog.knownFilePaths(
      table.id,
      old.map((o) => o.key),
    );
    const orphans = old.filter((o) => !known.has(o.key)).slice(0, limit);
    if (orphans.length > 0) {
      await deps.store.delete(orphans.map((o) => o.key));
      result.orphanFiles = orphans.length;
      result.bytesFreed += orphans.reduce((n, o) => n + o.size, 0);
    }
  }
  if (result.expiredFiles + result.orphanFiles > 0) {
    deps.logger?.info({ table: tableName, ...result }, "vacuumed table files");
  }
  return result;
}
