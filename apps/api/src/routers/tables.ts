// The console's lake-table queries: a table's preview, for every role that may open the Tables page.
import { z } from "zod";
import { SECTION_ROLES } from "../auth/sections";
import { roleProcedure, router } from "../trpc";

const tableName = z
  .string()
  .min(1)
  .max(130)
  .regex(/^[a-z]+\.[a-z][a-z0-9_]*$/, "must be a zone and a table, such as curated.orders");

export const tablesRouter = router({
  preview: roleProcedure(...SECTION_ROLES.tables)
    .input(z.object({ table: tableName }))
    .query(({ ctx, input }) => ctx.services.tables.preview(ctx.actor, input.table)),
});
