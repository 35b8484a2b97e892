// Vacuum of curated tables: deletes the Parquet files no snapshot within the retention period can
// read (replaced by compaction), and orphans (uploaded by a flush or compaction that never committed).
import type { Db } from "@inlet/db";
import type { Logger } from "pino";
import { withTransaction } from "../catalog/transaction";
import type { ObjectStore } from "../ports/object-store";

export interface VacuumDeps {
  db: Db;
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

interface TableRow {
  id: string;
  slug: string | null;
}

/**
 * Vacuums one curated table. Catalog rows go first, in one transaction, then the objects: a crash in
 * between leaves objects no row names, which the next call removes as orphans.
 */
export async function vacuumTable(
  deps: VacuumDeps,
  tableName: string,
  options: VacuumOptions = {},
): Promise<VacuumResult> {
  const retentionMs = Math.max(0, options.retentionMs ?? DEFAULT_FILE_RETENTION_MS);
  const limit = Math.max(1, options.limit ?? 10_000);
  const result: VacuumResult = { expiredFiles: 0, orphanFiles: 0, bytesFreed: 0 };
  const table = (
    await deps.db.pool.query<TableRow>(
      `SELECT t.id, s.slug FROM lake_tables t LEFT JOIN sources s ON s.id = t.source_id
       WHERE t.name = $1 AND t.zone = 'curated'`,
      [tableName],
    )
  ).rows[0];
  if (!table) return result;

  // A file is expired when the snapshot that removed it was committed before the cutoff. The table row
  // is locked so a compaction cannot commit against the files while their rows are being deleted.
  const expired = await withTransaction(deps.db.pool, async (tx) => {
    await tx.query("SELECT 1 FROM lake_tables WHERE id = $1 FOR UPDATE", [table.id]);
    const res = await tx.query<{ path: string; bytes: string }>(
      `DELETE FROM data_files f
       WHERE f.id IN (
         SELECT f2.id FROM data_files f2
         JOIN snapshots s ON s.table_id = f2.table_id AND s.seq = f2.removed_seq
         WHERE f2.table_id = $1 AND f2.removed_seq IS NOT NULL
           AND s.created_at < now() - make_interval(secs => $2::float8 / 1000)
         ORDER BY f2.removed_seq
         LIMIT $3)
       RETURNING f.path, f.bytes::text`,
      [table.id, retentionMs, limit],
    );
    return res.rows;
  });
  if (expired.length > 0) {
    await deps.store.delete(expired.map((r) => r.path));
    result.expiredFiles = expired.length;
    result.bytesFreed += expired.reduce((n, r) => n + Number(r.bytes), 0);
  }

  if (table.slug !== null) {
    const cutoff = Date.now() - retentionMs;
    const prefix = `curated/${table.slug}/`;
    const old: { key: string; size: number }[] = [];
    for await (const o of deps.store.list(prefix)) {
      if (o.lastModified.getTime() < cutoff && o.key.endsWith(".parquet")) {
        old.push({ key: o.key, size: o.size });
      }
    }
    // Checked against the catalog after listing: a file committed meanwhile has its row by now.
    const known = new Set<string>();
    for (let i = 0; i < old.length; i += 5_000) {
      const chunk = old.slice(i, i + 5_000).map((o) => o.key);
      const res = await deps.db.pool.query<{ path: string }>(
        "SELECT path FROM data_files WHERE table_id = $1 AND path = ANY($2::text[])",
        [table.id, chunk],
      );
      for (const r of res.rows) known.add(r.path);
    }
    const orphans = old.filter((o) => !known.has(o.key)).slice(0, limit);
    if (orphans.length > 0) {
      await deps.store.delete(orphans.map((o) => o.key));
      result.orphanFiles = orphans.length;
      result.bytesFreed += orphans.reduce((n, o) => n + o.size, 0);
    }
  }
  if (result.expiredFiles + result.orphanFiles > 0) {
    deps.logger?.info({ table: tableName, ...result }, "vacuumed curated files");
  }
  return result;
}
