// A table's snapshot as the console lists it: what committed it and what it changed.
import type { SnapshotSummary } from "@inlet/lake-core";

export function snapshotView(s: SnapshotSummary) {
  return {
    seq: s.seq,
    createdAt: s.createdAt,
    operation: s.operation,
    addedFiles: s.addedFiles,
    removedFiles: s.removedFiles,
    addedRows: s.addedRows,
    partitions: s.partitions,
  };
}
