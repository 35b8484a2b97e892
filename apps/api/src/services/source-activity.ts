// What a source's page shows of its recent work: events accepted and dead-lettered per minute, how
// fresh its data is (accept to commit), its latest events as they landed in curated, and its open
// dead letters per reason. Event data and dead letters are read through the LakeReader with the person.
import {
  type Catalog,
  curatedTableName,
  InletError,
  isInletError,
  type LakeReader,
  type MinuteActivity,
  type Reader,
  type SourceRecord,
} from "@inlet/lake-core";
import type { Actor } from "../auth/session";

/** The chart's windows and how many minutes each holds. */
export const ACTIVITY_WINDOWS = { "1h": 60, "24h": 1440 } as const;
export type ActivityWindow = keyof typeof ACTIVITY_WINDOWS;

/** Freshness is measured over the batches committed in this last stretch of time. */
export const FRESHNESS_WINDOW_MS = 3_600_000;

const MINUTE_MS = 60_000;

export interface MinuteBucket {
  /** Start of the minute (UTC). */
  minute: Date;
  accepted: number;
  deadLettered: number;
}

/**
 * Every minute from `from` on, `count` of them, with the catalog's counts where it has any and zeros
 * elsewhere (a chart of a quiet source has a flat line, not a gap).
 */
export function minuteBuckets(rows: readonly MinuteActivity[], from: Date, count: number): MinuteBucket[] {
  const byMinute = new Map(rows.map((r) => [r.minute.getTime(), r]));
  return Array.from({ length: count }, (_, i) => {
    const at = from.getTime() + i * MINUTE_MS;
    const row = byMinute.get(at);
    return { minute: new Date(at), accepted: row?.accepted ?? 0, deadLettered: row?.deadLettered ?? 0 };
  });
}

export function readerOf(actor: Actor): Reader {
  return { userId: actor.id, roles: actor.roles };
}

export class SourceActivityService {
  constructor(
    private readonly catalog: Catalog,
    private readonly lake: LakeReader,
  ) {}

  private async sourceBySlug(slug: string): Promise<SourceRecord> {
    const source = await this.catalog.findSourceBySlug(slug);
    if (!source) throw new InletError("NOT_FOUND", `No source with slug '${slug}'`);
    return source;
  }

  /** Per-minute counts over the window that ends with the current minute (included, still filling). */
  async activity(slug: string, window: ActivityWindow, now = new Date()) {
    const source = await this.sourceBySlug(slug);
    const minutes = ACTIVITY_WINDOWS[window];
    const current = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
    const from = new Date(current - (minutes - 1) * MINUTE_MS);
    const rows = await this.catalog.sourceActivityByMinute(source.id, from);
    const buckets = minuteBuckets(rows, from, minutes);
    return {
      window,
      from,
      to: new Date(current + MINUTE_MS),
      buckets,
      totals: {
        accepted: buckets.reduce((n, b) => n + b.accepted, 0),
        deadLettered: buckets.reduce((n, b) => n + b.deadLettered, 0),
      },
    };
  }

  /** p50 and p99 of accept-to-commit latency over the last hour, and how many batches they stand on. */
  async freshness(slug: string, now = new Date()) {
    const source = await this.sourceBySlug(slug);
    const since = new Date(now.getTime() - FRESHNESS_WINDOW_MS);
    const latency = await this.catalog.commitLatency(source.id, since);
    return {
      since,
      batches: latency.batches,
      p50Ms: latency.p50Ms ?? null,
      p99Ms: latency.p99Ms ?? null,
    };
  }

  /** The newest rows of the source's curated table; none yet when nothing was ever committed. */
  async latestEvents(actor: Actor, slug: string, limit: number) {
    const source = await this.sourceBySlug(slug);
    const table = curatedTableName(source.slug);
    try {
      const result = await this.lake.latestEvents(readerOf(actor), table, limit);
      return { table, snapshot: result.snapshotSeq, columns: result.columns, rows: result.rows };
    } catch (err) {
      // The curated table is created with the first batch the workers process.
      if (isInletError(err) && err.code === "NOT_FOUND")
        return { table, snapshot: null, columns: [], rows: [] };
      throw err;
    }
  }

  /** The source's open dead letters counted per reason code, most frequent first. */
  async rejectsByReason(actor: Actor, slug: string) {
    const source = await this.sourceBySlug(slug);
    const reasons = await this.lake.countDeadLettersByReason(readerOf(actor), {
      sourceId: source.id,
      status: "open",
    });
    const sorted = [...reasons].sort((a, b) => b.count - a.count || a.reasonCode.localeCompare(b.reasonCode));
    return { reasons: sorted, total: sorted.reduce((n, r) => n + r.count, 0) };
  }
}
