// The audit row of a retention snapshot: the worker drops a source's old curated partitions on its own,
// so the row names the system as the actor and says what left the table and why.
import type { RetentionApplied } from "@inlet/lake-core";
import type { AuditService } from "./services/audit";

/** The actor of what Inlet does by itself (retention); no account stands behind it. */
export const SYSTEM_ACTOR = { id: null, email: "system@inlet" } as const;

export function recordRetention(audit: AuditService, applied: RetentionApplied): Promise<void> {
  return audit.record(SYSTEM_ACTOR, {
    action: "table.retention",
    targetType: "table",
    targetId: applied.table,
    details: {
      source: applied.source,
      retentionDays: applied.retentionDays,
      before: applied.before,
      snapshot: applied.seq,
      partitions: applied.partitions,
      files: applied.files,
      rows: applied.rows,
      bytes: applied.bytes,
    },
  });
}
