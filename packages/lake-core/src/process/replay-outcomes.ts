// What the worker does differently for a replay batch (dead letters sent again): each event carrying no
// id takes the id first assigned to it, and what became of each letter (landed, a duplicate, refused
// again) is worked out from the events it was sent as and recorded in the commit that covers the batch.
import type { ReplayManifestItem, ReplayOutcome } from "../ports/replay-catalog";

/** The origin of a replay batch's row (see NewBatch.origin). */
export const REPLAY_ORIGIN = "replay";

/** A refused event's reason, as its dead letter would have held it. */
export interface Refusal {
  code: string;
  reason: string;
  path: string | undefined;
  /** The schema version that refused it, when a schema did. */
  schemaVersion?: number | undefined;
}

/** One replay batch's letters and, while its events are judged, where each event went. */
export interface ReplayTracking {
  items: ReplayManifestItem[];
  /** The letter each event index belongs to. */
  itemAt: (ReplayManifestItem | undefined)[];
  /** The id each event index takes when it carries none. */
  assigned: (string | undefined)[];
  /** Event index → its row among the group's candidates. */
  rows: Map<number, number>;
  /** Event indexes dropped as duplicates of another candidate of the group. */
  duplicates: Set<number>;
  /** Event indexes refused, with why. */
  refused: Map<number, Refusal>;
}

export function replayTracking(items: ReplayManifestItem[]): ReplayTracking {
  const itemAt: (ReplayManifestItem | undefined)[] = [];
  const assigned: (string | undefined)[] = [];
  for (const item of items) {
    for (let k = 0; k < item.eventCount; k++) {
      itemAt[item.firstIndex + k] = item;
      assigned[item.firstIndex + k] = item.assignedIds[k];
    }
  }
  return { items, itemAt, assigned, rows: new Map(), duplicates: new Set(), refused: new Map() };
}

/**
 * Records a refusal of a replayed letter's event and says so (true); false when the event is not one
 * of a replayed letter, so it becomes a dead letter of its own as usual. A letter refused again stays
 * that letter, with the new reason (recorded with its outcome), rather than becoming a second one.
 */
export function refusedAsReplayed(
  tracking: ReplayTracking | undefined,
  index: number | undefined,
  refusal: Refusal,
): boolean {
  if (!tracking || index === undefined || !tracking.itemAt[index]) return false;
  if (!tracking.refused.has(index)) tracking.refused.set(index, refusal);
  return true;
}

/**
 * Each letter's outcome once the group's claims are known: failed when any of its events was refused
 * (the first refusal's reason), else landed when any was stored, else a duplicate (every event was in
 * curated already). An event the batch turned out not to hold counts as refused.
 */
export function replayOutcomes(
  tracking: ReplayTracking,
  stored: (row: number) => boolean,
  table: { name: string; seq: number },
): ReplayOutcome[] {
  return tracking.items.map((item) => {
    let landed = 0;
    let duplicates = 0;
    let failure: Refusal | undefined;
    for (let index = item.firstIndex; index < item.firstIndex + item.eventCount; index++) {
      const refused = tracking.refused.get(index);
      const row = tracking.rows.get(index);
      if (refused) {
        failure ??= refused;
      } else if (row !== undefined) {
        if (stored(row)) landed += 1;
        else duplicates += 1;
      } else if (tracking.duplicates.has(index)) {
        duplicates += 1;
      } else {
        failure ??= {
          code: "REPLAY_MISMATCH",
          reason: `the replay batch holds no event at index ${index}, where this letter's event was placed`,
          path: undefined,
        };
      }
    }
    return {
      jobId: item.jobId,
      batchId: item.batchId,
      seq: item.seq,
      letterId: item.letterId,
      state: failure ? "failed" : landed > 0 ? "landed" : "duplicate",
      landed,
      duplicates,
      tableName: table.name,
      snapshotSeq: landed > 0 ? table.seq : undefined,
      failure: failure && {
        reasonCode: failure.code,
        reason: failure.reason,
        path: failure.path,
        schemaVersion: failure.schemaVersion,
      },
    };
  });
}
