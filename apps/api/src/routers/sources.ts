import { z } from "zod";
import { roleProcedure, router } from "../trpc";
import { schemaInferenceProcedures } from "./schema-inference";
import { sourceActivityProcedures } from "./source-activity";

/** Schema compatibility modes as the API takes them (lower case, like the catalog). */
export const COMPATIBILITY = [
  "backward",
  "backward_transitive",
  "forward",
  "forward_transitive",
  "full",
  "full_transitive",
  "none",
] as const;

const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/, "must start with a letter and use only a-z, 0-9, - and _");

/** A new source's slug: what the ingest URL, the landing folder and the table name are made of. */
const newSlug = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z][a-z0-9-]*$/, "must start with a letter and use only a-z, 0-9 and -")
  // The console's page for registering a source is /sources/new: a source of that name would be hidden.
  .refine((s) => s !== "new", "'new' is reserved; choose another slug");

/** A retention or archive age in days: at least one day, at most ten years. */
const days = z
  .number()
  .int("must be a whole number of days")
  .min(1, "must be at least 1 day")
  .max(3650, "must be at most 3,650 days (10 years)");

/** Two copies of an event id arriving within this many hours land once. */
const dedupeWindowHours = z
  .number()
  .int("must be a whole number of hours")
  .min(1, "must be at least 1 hour")
  .max(90 * 24, "must be at most 2,160 hours (90 days)");

const registration = z.object({
  name: z.string().trim().min(1).max(100),
  slug: newSlug,
  description: z.string().trim().max(2000).default(""),
  kind: z.enum(["http", "file", "both"]).default("http"),
  schema: z.record(z.string(), z.unknown()).nullable(),
  idField: z.string().trim().min(1).max(200).default("id"),
  /** null: the source's events have no time field, and each is stored at the time it was received. */
  timeField: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullable()
    .default("time")
    .transform((f) => f ?? ""),
  retentionDays: days.default(365),
  /** A low-cardinality property of the schema to partition by after the event date. */
  partitionProperty: z.string().trim().min(1).max(200).nullable().default(null),
  rawRetentionDays: days.default(30),
  rawArchiveDays: days.nullable().default(null),
  compatibility: z.enum(COMPATIBILITY).default("backward"),
});

export const sourcesRouter = router({
  create: roleProcedure("engineer")
    .input(registration)
    .mutation(({ ctx, input }) => ctx.services.sourceRegistration.register(ctx.actor, input, ctx.requestId)),
  ...schemaInferenceProcedures,
  slugAvailable: roleProcedure("engineer")
    .input(z.object({ slug: newSlug }))
    .query(({ ctx, input }) => ctx.services.sourceRegistration.slugAvailable(input.slug)),
  list: roleProcedure("engineer", "oncall").query(({ ctx }) => ctx.services.sources.list()),
  get: roleProcedure("engineer", "oncall")
    .input(z.object({ slug }))
    .query(({ ctx, input }) => ctx.services.sources.get(input.slug)),
  ...sourceActivityProcedures,
  updateLifecycle: roleProcedure("engineer")
    .input(
      z.object({
        slug,
        retentionDays: days,
        rawRetentionDays: days,
        rawArchiveDays: days.nullable(),
        /** Unchanged when absent. */
        dedupeWindowHours: dedupeWindowHours.optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.services.sourceLifecycle.updateLifecycle(ctx.actor, input, ctx.requestId),
    ),
  delete: roleProcedure("engineer")
    .input(
      z.object({
        slug,
        /** The slug typed again, as confirmation. */
        confirm: z.string().max(64),
        /** keep: the curated table stays, detached and queryable; purge: every object and row goes. */
        data: z.enum(["keep", "purge"]),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.sourceLifecycle.delete(ctx.actor, input, ctx.requestId)),
  setStatus: roleProcedure("engineer")
    .input(z.object({ slug, status: z.enum(["active", "paused"]) }))
    .mutation(({ ctx, input }) =>
      ctx.services.sources.setStatus(ctx.actor, input.slug, input.status, ctx.requestId),
    ),
  keys: router({
    list: roleProcedure("engineer")
      .input(z.object({ slug }))
      .query(({ ctx, input }) => ctx.services.sources.listKeys(input.slug)),
    create: roleProcedure("engineer")
      .input(z.object({ slug, name: z.string().trim().min(1).max(80) }))
      .mutation(({ ctx, input }) =>
        ctx.services.sources.createKey(ctx.actor, input.slug, input.name, ctx.requestId),
      ),
    revoke: roleProcedure("engineer")
      .input(z.object({ id: z.string().min(1).max(64) }))
      .mutation(({ ctx, input }) => ctx.services.sources.revokeKey(ctx.actor, input.id, ctx.requestId)),
  }),
});
