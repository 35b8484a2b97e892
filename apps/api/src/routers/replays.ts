// Fixing and replaying dead letters: dry runs, edits checked as they are typed, discards, and replay
// jobs with a rate, pause, resume and cancel. On-call staff (and admins) change things; engineers may
// read everything here, dry runs and edit checks included, which change nothing.
import type { Role } from "@inlet/db";
import { z } from "zod";
import { roleProcedure, router } from "../trpc";
import { deadLetterReaders } from "./dead-letters";
import { eventsPerSecond, instant, versionNumber } from "./input-fields";

/** Who may edit, discard and replay letters and control replay jobs (admin may do everything). */
export const replayers: Role[] = ["oncall"];

const letterId = z.string().min(1).max(64);
const jobId = z.string().min(1).max(64);

const filter = z
  .object({
    source: z.string().min(1).max(64).optional(),
    reasonCode: z
      .string()
      .max(64)
      .regex(/^[A-Z_]+$/, "must be a reason code such as SCHEMA_VIOLATION")
      .optional(),
    /** Recorded at or after. */
    from: instant.optional(),
    /** Recorded before. */
    to: instant.optional(),
    batchId: z.string().min(1).max(64).optional(),
    /** The JSON pointer the letters' reason points at ("" for the payload itself). */
    path: z
      .string()
      .max(1000)
      .regex(/^(\/.*)?$/, 'must be a JSON pointer such as /amount ("" for the payload itself)')
      .optional(),
    schemaVersion: versionNumber.optional(),
  })
  .strict()
  .check((ctx) => {
    const { from, to } = ctx.value;
    if (from && to && to.getTime() <= from.getTime()) {
      ctx.issues.push({ code: "custom", input: to, path: ["to"], message: "must be after from" });
    }
  });

/** Which letters: these ids, or every open letter matching the filter. */
const selection = z.union([
  z.object({ letterIds: z.array(letterId).min(1, "must name at least one letter").max(10_000) }).strict(),
  z.object({ filter }).strict(),
]);

/** Events per second; the ceiling (INLET_REPLAY_MAX_RATE) is checked by the service, naming the field. */
const ratePerSecond = eventsPerSecond;

/** An edited payload: an event's JSON text (the ingest limit on events is checked by the service). */
const payload = z.string().max(4 * 1024 * 1024, "must be at most 4 MiB of text");

export const replaysRouter = router({
  /** Replay jobs, newest first. */
  list: roleProcedure(...deadLetterReaders)
    .input(
      z.object({
        status: z.enum(["queued", "running", "paused", "succeeded", "failed", "cancelled"]).optional(),
        cursor: jobId.optional(),
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(({ ctx, input }) => ctx.services.replays.list(input)),
  /** One job with its progress (poll it for a progress bar). */
  get: roleProcedure(...deadLetterReaders)
    .input(z.object({ id: jobId }))
    .query(({ ctx, input }) => ctx.services.replays.get(input.id)),
  /** What a replay of the selection would do now; nothing is sent. */
  dryRun: roleProcedure(...deadLetterReaders)
    .input(z.object({ selection, previews: z.number().int().min(0).max(100).default(20) }))
    .query(({ ctx, input }) => ctx.services.replays.dryRun(ctx.actor, input)),
  /** An edit checked against the active schema, as it is typed; nothing is stored. */
  checkEdit: roleProcedure(...deadLetterReaders)
    .input(z.object({ id: letterId, payload }))
    .query(({ ctx, input }) => ctx.services.replays.checkEdit(ctx.actor, input)),
  /** A letter with its current edit (both under the reader's column rules) and its history. */
  letter: roleProcedure(...deadLetterReaders)
    .input(z.object({ id: letterId }))
    .query(({ ctx, input }) => ctx.services.replays.letter(ctx.actor, input.id)),
  /** A letter's history alone: received, edited by whom, replayed in which job, and what became of it. */
  history: roleProcedure(...deadLetterReaders)
    .input(z.object({ id: letterId }))
    .query(({ ctx, input }) => ctx.services.replays.history(ctx.actor, input.id)),

  /** Saves an edit of an open letter no job holds (refused with the position when it is not JSON). */
  saveEdit: roleProcedure(...replayers)
    .input(z.object({ id: letterId, payload }))
    .mutation(({ ctx, input }) => ctx.services.replays.saveEdit(ctx.actor, input, ctx.requestId)),
  /** Discards open letters with a reason. */
  discard: roleProcedure(...replayers)
    .input(
      z.object({
        ids: z.array(letterId).min(1, "must name at least one letter").max(10_000),
        reason: z.string().trim().min(3, "must say why, in at least 3 characters").max(500),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.replays.discard(ctx.actor, input, ctx.requestId)),
  /** Replays one letter, saving the edited payload first when one is given. */
  replayLetter: roleProcedure(...replayers)
    .input(z.object({ id: letterId, payload: payload.optional(), ratePerSecond: ratePerSecond.optional() }))
    .mutation(({ ctx, input }) => ctx.services.replays.replayLetter(ctx.actor, input, ctx.requestId)),
  /** Starts a replay job over the selection at the rate (default 5,000 events/s). */
  create: roleProcedure(...replayers)
    .input(z.object({ selection, ratePerSecond: ratePerSecond.optional() }))
    .mutation(({ ctx, input }) => ctx.services.replays.create(ctx.actor, input, ctx.requestId)),
  pause: roleProcedure(...replayers)
    .input(z.object({ id: jobId }))
    .mutation(({ ctx, input }) =>
      ctx.services.replays.control(ctx.actor, { id: input.id, action: "pause" }, ctx.requestId),
    ),
  resume: roleProcedure(...replayers)
    .input(z.object({ id: jobId }))
    .mutation(({ ctx, input }) =>
      ctx.services.replays.control(ctx.actor, { id: input.id, action: "resume" }, ctx.requestId),
    ),
  cancel: roleProcedure(...replayers)
    .input(z.object({ id: jobId }))
    .mutation(({ ctx, input }) =>
      ctx.services.replays.control(ctx.actor, { id: input.id, action: "cancel" }, ctx.requestId),
    ),
});
