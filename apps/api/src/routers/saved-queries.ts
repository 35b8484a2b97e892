// Saved queries: listed, opened with their versions, saved (every save a version), compared, restored and
// deleted, for the roles with the Queries section. The service decides who may open or change each one.
import { ROLES } from "@inlet/db";
import { z } from "zod";
import { SECTION_ROLES } from "../auth/sections";
import { CHART_TYPES } from "../services/saved-queries";
import { PARAMETER_NAME } from "../services/saved-query-parameters";
import { roleProcedure, router } from "../trpc";
import { versionNumber as version } from "./input-fields";

const id = z.string().min(1).max(64);

const parameterName = z
  .string()
  .trim()
  .regex(PARAMETER_NAME, "must start with a letter or _ and hold only letters, digits and _")
  .max(64);

const value = z.string().max(1000);

const parameter = z.discriminatedUnion("type", [
  z.object({ name: parameterName, type: z.literal("date"), default: value.optional() }),
  z.object({ name: parameterName, type: z.literal("number"), default: z.number().finite().optional() }),
  z.object({ name: parameterName, type: z.literal("text"), default: value.optional() }),
  z.object({ name: parameterName, type: z.literal("list"), default: z.array(value).max(1000).optional() }),
]);

const chart = z.object({
  type: z.enum(CHART_TYPES),
  x: z.string().min(1).max(200),
  y: z.array(z.string().min(1).max(200)).min(1).max(10),
});

const savedQuery = z.object({
  name: z.string().trim().min(1, "a saved query needs a name").max(120),
  description: z.string().max(2000).default(""),
  folder: z
    .string()
    .max(200)
    .regex(/^[^\p{Cc}]*$/u, "must not hold control characters")
    .default(""),
  sql: z.string().min(1, "a saved query needs SQL").max(100_000),
  parameters: z.array(parameter).max(50).default([]),
  chart: chart.nullish(),
  sharedWithRoles: z.array(z.enum(ROLES)).max(ROLES.length).default([]),
});

const users = roleProcedure(...SECTION_ROLES.queries);

export const savedQueriesRouter = router({
  list: users
    .input(
      z.object({ folder: z.string().max(200).optional(), text: z.string().max(200).optional() }).default({}),
    )
    .query(({ ctx, input }) => ctx.services.savedQueries.list(ctx.actor, input)),
  get: users
    .input(z.object({ id }))
    .query(({ ctx, input }) => ctx.services.savedQueries.get(ctx.actor, input.id)),
  versions: users
    .input(z.object({ id }))
    .query(({ ctx, input }) => ctx.services.savedQueries.versions(ctx.actor, input.id)),
  diff: users
    .input(z.object({ id, from: version, to: version }))
    .query(({ ctx, input }) => ctx.services.savedQueries.diff(ctx.actor, input.id, input.from, input.to)),
  create: users
    .input(savedQuery)
    .mutation(({ ctx, input }) => ctx.services.savedQueries.create(ctx.actor, input, ctx.requestId)),
  update: users
    .input(savedQuery.extend({ id }))
    .mutation(({ ctx, input: { id: target, ...doc } }) =>
      ctx.services.savedQueries.update(ctx.actor, target, doc, ctx.requestId),
    ),
  restore: users
    .input(z.object({ id, version }))
    .mutation(({ ctx, input }) =>
      ctx.services.savedQueries.restore(ctx.actor, input.id, input.version, ctx.requestId),
    ),
  delete: users
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => ctx.services.savedQueries.delete(ctx.actor, input.id, ctx.requestId)),
});
