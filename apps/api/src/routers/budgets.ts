// Bytes-scanned budgets per role (per query and per UTC day): admins list and set them; each set is audited.
import { ROLES } from "@inlet/db";
import { z } from "zod";
import { roleProcedure, router } from "../trpc";

/** A limit in bytes, or null for none. */
const limit = z
  .number()
  .int()
  .min(1, "a limit must be at least 1 byte; null means no limit")
  .max(2 ** 53 - 1)
  .nullable();

export const budgetsRouter = router({
  list: roleProcedure("admin").query(({ ctx }) => ctx.services.queries.budgets()),
  set: roleProcedure("admin")
    .input(z.object({ role: z.enum(ROLES), perQueryBytes: limit, perDayBytes: limit }))
    .mutation(({ ctx, input }) => ctx.services.queries.setBudget(ctx.actor, input, ctx.requestId)),
});
