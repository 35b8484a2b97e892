// Analytics (gold) tables: defined, changed, refreshed and dropped by analysts, engineers and admins
// (the service decides whose tables an analyst may change); read by every role that browses tables.
import { z } from "zod";
import { SECTION_ROLES } from "../auth/sections";
import { roleProcedure, router } from "../trpc";

/** analytics.{slug}, or the slug alone. */
const name = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(analytics\.)?[a-z][a-z0-9_]{0,62}$/,
    "must start with a lower-case letter and hold only lower-case letters, digits and _ (at most 63), e.g. daily_orders",
  );

const definition = z.string().trim().min(1, "write the SELECT that defines the table").max(100_000);
const refreshMode = z.enum(["on_commit", "schedule"]);
const scheduleMinutes = z
  .number()
  .int("must be a whole number of minutes")
  .min(1, "must be at least 1 minute")
  .max(7 * 24 * 60, "must be at most a week (10080 minutes)");

const writers = roleProcedure("analyst", "engineer");

export const analyticsRouter = router({
  get: roleProcedure(...SECTION_ROLES.tables)
    .input(z.object({ name }))
    .query(({ ctx, input }) => ctx.services.analytics.get(input.name)),
  create: writers
    .input(
      z
        .object({ name, definition, refreshMode, scheduleMinutes: scheduleMinutes.optional() })
        .refine((v) => v.refreshMode !== "schedule" || v.scheduleMinutes !== undefined, {
          message: "a scheduled refresh needs the minutes between refreshes",
          path: ["scheduleMinutes"],
        }),
    )
    .mutation(({ ctx, input }) => ctx.services.analytics.create(ctx.actor, input, ctx.requestId)),
  update: writers
    .input(
      z.object({
        name,
        definition: definition.optional(),
        refreshMode: refreshMode.optional(),
        scheduleMinutes: scheduleMinutes.optional(),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.analytics.update(ctx.actor, input, ctx.requestId)),
  refresh: writers
    .input(z.object({ name, full: z.boolean().optional() }))
    .mutation(({ ctx, input }) => ctx.services.analytics.refresh(ctx.actor, input, ctx.requestId)),
  delete: writers
    .input(z.object({ name }))
    .mutation(({ ctx, input }) => ctx.services.analytics.delete(ctx.actor, input, ctx.requestId)),
});
