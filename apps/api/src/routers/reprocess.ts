// Reprocess from raw: a source's curated rows of an event-time range re-derived from its raw batches
// under the active schema. Admins, engineers and on-call staff start dry runs and runs, watch and
// cancel them; the rules live in the service and the data plane.
import type { Role } from "@inlet/db";
import { z } from "zod";
import { roleProcedure, router } from "../trpc";
import { eventsPerSecond, instant } from "./input-fields";

/** Who may reprocess (admin may do everything). */
export const reprocessors: Role[] = ["engineer", "oncall"];

const jobId = z.string().min(1).max(64);
const slug = z.string().min(1).max(64);

const request = z.object({
  source: slug,
  /** Event time at or after; default: a day before `to`. */
  from: instant.optional(),
  /** Event time before; default: now. */
  to: instant.optional(),
  /** Raw events read per second; the ceiling (INLET_REPLAY_MAX_RATE) is checked by the service. */
  ratePerSecond: eventsPerSecond.optional(),
});

export const reprocessRouter = router({
  /** Jobs newest first, the source's alone when given. */
  list: roleProcedure(...reprocessors)
    .input(
      z.object({
        source: slug.optional(),
        cursor: jobId.optional(),
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(({ ctx, input }) => ctx.services.reprocess.list(input)),
  /** One job with its progress and, once ended, its figures (poll it for a progress bar). */
  get: roleProcedure(...reprocessors)
    .input(z.object({ id: jobId }))
    .query(({ ctx, input }) => ctx.services.reprocess.get(input.id)),
  /** Queues a dry run: the figures of the replacement, nothing committed. */
  dryRun: roleProcedure(...reprocessors)
    .input(request)
    .mutation(({ ctx, input }) =>
      ctx.services.reprocess.create(ctx.actor, { ...input, dryRun: true }, ctx.requestId),
    ),
  /** Queues the reprocess itself. */
  start: roleProcedure(...reprocessors)
    .input(request)
    .mutation(({ ctx, input }) =>
      ctx.services.reprocess.create(ctx.actor, { ...input, dryRun: false }, ctx.requestId),
    ),
  cancel: roleProcedure(...reprocessors)
    .input(z.object({ id: jobId }))
    .mutation(({ ctx, input }) => ctx.services.reprocess.cancel(ctx.actor, input.id, ctx.requestId)),
});
