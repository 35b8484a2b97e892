// What committed a snapshot, in words: the batches of an append or replay, the files a compaction
// merged, the partitions a retention dropped, what an analytics table's refresh rewrote, the files a
// reprocess from raw replaced.
import { formatCount } from "@/lib/format";

export type SnapshotOperation = "append" | "compact" | "retention" | "replay" | "refresh" | "reprocess";

export interface SnapshotCommit {
  operation: SnapshotOperation;
  removedFiles: number;
  batchIds: string[];
  batchCount: number;
  partitions: string[];
}

export const OPERATION_LABELS: Record<SnapshotOperation, string> = {
  append: "Append",
  compact: "Compaction",
  retention: "Retention",
  replay: "Replay",
  refresh: "Refresh",
  reprocess: "Reprocess",
};

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** One line naming what committed the snapshot (batch ids themselves are listed beside it). */
export function describeCommit(s: SnapshotCommit): string {
  switch (s.operation) {
    case "append":
    case "replay": {
      const what = s.operation === "append" ? "Ingest" : "Replay";
      return s.batchCount === 0 ? what : `${what}: ${plural(s.batchCount, "batch", "batches")}`;
    }
    case "compact": {
      const where = s.partitions.length > 0 ? ` in ${s.partitions.join(", ")}` : "";
      return `Compaction: merged ${plural(s.removedFiles, "file", "files")}${where}`;
    }
    case "retention":
      return s.partitions.length > 0
        ? `Retention: dropped ${s.partitions.join(", ")}`
        : `Retention: dropped ${plural(s.removedFiles, "file", "files")}`;
    case "refresh":
      if (s.partitions.length > 0) return `Refresh: recomputed ${s.partitions.join(", ")}`;
      return s.removedFiles > 0
        ? `Refresh: rewrote the table (${plural(s.removedFiles, "file", "files")} replaced)`
        : "Refresh: wrote the table";
    case "reprocess":
      return `Reprocess from raw: replaced ${plural(s.removedFiles, "file", "files")}`;
  }
}

/** How many batch ids the summary left out. */
export function batchesNotListed(s: SnapshotCommit): number {
  return Math.max(0, s.batchCount - s.batchIds.length);
}
