// The SQL workspace: run a query (rows, bytes scanned, cost, its estimate), estimate one as it is typed,
// cancel a running one, and read query history; for the roles with the Queries section.
import { QUERY_PARAMETER_TYPES, QUERY_RUN_PATHS, QUERY_RUN_STATUSES } from "@inlet/lake-core";
import { z } from "zod";
import { SECTION_ROLES } from "../auth/sections";
import { roleProcedure, router } from "../trpc";
import { filterDate } from "./input-fields";

export const sqlText = z.string().min(1, "write a query first").max(100_000);

const scalar = z.union([z.string().max(10_000), z.number().finite()]);
const parameterValue = z.union([scalar, z.array(scalar).max(10_000)]);

/** {{name}} values: bare (typed by the saved query's declaration or by their form), or with their type. */
export const queryParams = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a parameter name is letters, digits and _")
      .max(64),
    z.union([
      parameterValue,
      z.object({ type: z.enum(QUERY_PARAMETER_TYPES).optional(), value: parameterValue }),
    ]),
  )
  .optional();

const savedQueryId = z.string().min(1).max(64).optional();

/** A run id the console may choose (so it can cancel the run before the run returns). */
export const runId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, "must be 8 to 64 letters, digits, _ or - (a UUID will do)");

const users = roleProcedure(...SECTION_ROLES.queries);

function anyOf(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  return given.length > 1 ? AbortSignal.any(given) : given[0];
}

export const queriesRouter = router({
  run: users
    .input(
      z.object({
        sql: sqlText,
        params: queryParams,
        savedQueryId,
        runId: runId.optional(),
        maxRows: z.number().int().min(1).max(100_000).optional(),
      }),
    )
    .mutation(({ ctx, input, signal }) =>
      ctx.services.queries.run(ctx.actor, input, anyOf(signal, ctx.requestClosed)),
    ),
  estimate: users
    .input(z.object({ sql: sqlText, params: queryParams, savedQueryId }))
    .query(({ ctx, input }) => ctx.services.queries.estimate(ctx.actor, input)),
  cancel: users
    .input(z.object({ runId }))
    .mutation(({ ctx, input }) => ctx.services.queries.cancel(ctx.actor, input.runId, ctx.requestId)),
  history: users
    .input(
      z
        .object({
          filters: z
            .object({
              user: z.string().max(200).optional(),
              status: z.enum(QUERY_RUN_STATUSES).optional(),
              path: z.enum(QUERY_RUN_PATHS).optional(),
              text: z.string().max(200).optional(),
              savedQueryId,
              from: filterDate.optional(),
              to: filterDate.optional(),
            })
            .default({}),
          cursor: z.string().min(1).max(400).optional(),
          limit: z.number().int().min(1).max(200).default(50),
        })
        .default({ filters: {}, limit: 50 }),
    )
    .query(({ ctx, input }) => ctx.services.queries.history(ctx.actor, input.filters, input)),
});
