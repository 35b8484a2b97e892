// Reprocess from raw, as on-call staff and engineers start it: a source and an event-time range, a dry
// run first (a job that reports what the replacement would do and commits nothing), then the run at a
// rate, watched by its progress and cancelled if need be. A worker runs the jobs (lake-core's
// reprocess runner); every start and cancel is audited in the transaction that makes it.
import type { Db } from "@inlet/db";
import {
  type Catalog,
  InletError,
  REPROCESS_LATE_WINDOW_MS,
  type ReprocessJobRecord,
} from "@inlet/lake-core";
import type { Actor } from "../auth/session";
import type { AuditService } from "./audit";
import { withCatalogTransaction } from "./catalog-transaction";
import { DEFAULT_REPLAY_RATE } from "./replay-jobs";

/** The range a reprocess covers unless told otherwise: the last day. */
export const DEFAULT_REPROCESS_RANGE_MS = 24 * 60 * 60 * 1000;

/** The longest range one job may cover (a longer one is several jobs, one after another). */
export const MAX_REPROCESS_RANGE_MS = 31 * 24 * 60 * 60 * 1000;

export interface ReprocessInput {
  source: string;
  from?: Date | undefined;
  to?: Date | undefined;
  ratePerSecond?: number | undefined;
}

export class ReprocessService {
  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly audit: AuditService,
    private readonly opts: { maxRate: number },
  ) {}

  private checkRate(rate: number): void {
    if (!Number.isInteger(rate) || rate < 1) {
      throw new InletError(
        "BAD_REQUEST",
        "ratePerSecond must be a whole number of events per second, at least 1",
        {
          field: "ratePerSecond",
        },
      );
    }
    if (rate > this.opts.maxRate) {
      throw new InletError(
        "BAD_REQUEST",
        `ratePerSecond ${rate.toLocaleString("en-US")} is above the ingest limit of ${this.opts.maxRate.toLocaleString("en-US")} events/s (INLET_REPLAY_MAX_RATE)`,
        { field: "ratePerSecond" },
      );
    }
  }

  /** The range with its defaults, checked: from before to, at most MAX_REPROCESS_RANGE_MS long. */
  private range(input: ReprocessInput): { from: Date; to: Date } {
    const to = input.to ?? new Date();
    const from = input.from ?? new Date(to.getTime() - DEFAULT_REPROCESS_RANGE_MS);
    if (to.getTime() <= from.getTime()) {
      throw new InletError("BAD_REQUEST", "to must be after from", { field: "to" });
    }
    if (to.getTime() - from.getTime() > MAX_REPROCESS_RANGE_MS) {
      throw new InletError(
        "BAD_REQUEST",
        "the range may be at most 31 days long: reprocess a longer one in several jobs",
        { field: "from" },
      );
    }
    return { from, to };
  }

  private async sourceId(slug: string): Promise<string> {
    const found = await this.catalog.findSourceBySlug(slug);
    if (!found) throw new InletError("NOT_FOUND", `No source with slug '${slug}'`, { field: "source" });
    return found.id;
  }

  /** Queues a dry run or a run; audited with the source, the range and the rate. */
  async create(actor: Actor, input: ReprocessInput & { dryRun: boolean }, requestId?: string) {
    const rate = input.ratePerSecond ?? DEFAULT_REPLAY_RATE;
    this.checkRate(rate);
    const range = this.range(input);
    const sourceId = await this.sourceId(input.source);
    return withCatalogTransaction(this.db, async (tx) => {
      const job = await tx.catalog.createReprocessJob({
        sourceId,
        ...range,
        dryRun: input.dryRun,
        ratePerSecond: rate,
        requestedById: actor.id,
        requestedByEmail: actor.email,
      });
      await this.audit.record(
        actor,
        {
          action: input.dryRun ? "reprocess.dryRun" : "reprocess.start",
          targetType: "reprocess_job",
          targetId: job.id,
          details: {
            source: input.source,
            from: range.from.toISOString(),
            to: range.to.toISOString(),
            ratePerSecond: rate,
          },
        },
        requestId,
        tx.prisma,
      );
      return job;
    });
  }

  /** Cancels a queued or running job (nothing of a run is committed before its end); audited. */
  async cancel(actor: Actor, id: string, requestId?: string) {
    return withCatalogTransaction(this.db, async (tx) => {
      const changed = await tx.catalog.cancelReprocessJob(id);
      if (!changed) throw new InletError("NOT_FOUND", `No reprocess job with id '${id}'`);
      await this.audit.record(
        actor,
        {
          action: "reprocess.cancel",
          targetType: "reprocess_job",
          targetId: id,
          details: {
            source: changed.after.source,
            dryRun: changed.after.dryRun,
            before: changed.before,
            batchesDone: changed.after.batchesDone,
            batchesTotal: changed.after.batchesTotal,
          },
        },
        requestId,
        tx.prisma,
      );
      return changed.after;
    });
  }

  async get(id: string): Promise<ReprocessJobRecord> {
    const job = await this.catalog.getReprocessJob(id);
    if (!job) throw new InletError("NOT_FOUND", `No reprocess job with id '${id}'`);
    return job;
  }

  async list(input: { source?: string | undefined; cursor?: string | undefined; limit: number }) {
    const sourceId = input.source === undefined ? undefined : await this.sourceId(input.source);
    const page = await this.catalog.listReprocessJobs({ sourceId, cursor: input.cursor, limit: input.limit });
    return { items: page.items, nextCursor: page.nextCursor ?? null, lateWindowMs: REPROCESS_LATE_WINDOW_MS };
  }
}
