// A source page's live parts: ingest rate per minute, freshness, latest events, open rejects by reason,
// and sending a test event through the real ingest API. Part of the `sources` router.
import { LATEST_EVENTS_MAX_ROWS } from "@inlet/lake-core";
import { z } from "zod";
import { roleProcedure } from "../trpc";
import { deadLetterReaders } from "./dead-letters";

const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/, "must start with a letter and use only a-z, 0-9, - and _");

export const sourceActivityProcedures = {
  activity: roleProcedure("engineer", "oncall")
    .input(z.object({ slug, window: z.enum(["1h", "24h"]).default("1h") }))
    .query(({ ctx, input }) => ctx.services.sourceActivity.activity(input.slug, input.window)),
  freshness: roleProcedure("engineer", "oncall")
    .input(z.object({ slug }))
    .query(({ ctx, input }) => ctx.services.sourceActivity.freshness(input.slug)),
  latestEvents: roleProcedure("engineer", "oncall")
    .input(z.object({ slug, limit: z.number().int().min(1).max(LATEST_EVENTS_MAX_ROWS).default(20) }))
    .query(({ ctx, input }) => ctx.services.sourceActivity.latestEvents(ctx.actor, input.slug, input.limit)),
  rejects: roleProcedure(...deadLetterReaders)
    .input(z.object({ slug }))
    .query(({ ctx, input }) => ctx.services.sourceActivity.rejectsByReason(ctx.actor, input.slug)),
  testEventExample: roleProcedure("engineer")
    .input(z.object({ slug }))
    .query(({ ctx, input }) => ctx.services.testEvents.example(input.slug)),
  sendTestEvent: roleProcedure("engineer")
    .input(z.object({ slug, event: z.record(z.string(), z.unknown(), "must be a JSON object") }))
    .mutation(({ ctx, input }) =>
      ctx.services.testEvents.send(ctx.actor, input.slug, input.event, ctx.requestId),
    ),
};
