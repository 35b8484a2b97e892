// The audit log's reads for governance staff: entries newest first, filtered by actor, action, table
// and time, keyset-paged. The same filters drive the CSV export (audit-csv-route.ts).
import { z } from "zod";
import { roleProcedure, router } from "../trpc";
import { instantText as instant } from "./input-fields";

const filterFields = {
  actor: z.string().trim().max(200, "must be at most 200 characters").optional(),
  action: z.string().trim().max(100, "must be at most 100 characters").optional(),
  table: z
    .string()
    .trim()
    .toLowerCase()
    .max(130, "must be at most 130 characters")
    .regex(/^(curated|analytics)\.[a-z][a-z0-9_-]*$/, "must be a table name, such as curated.orders")
    .optional(),
  /** At or after this instant. */
  from: instant.optional(),
  /** Before this instant. */
  to: instant.optional(),
};

/** The schema, with `to` refused unless it comes after `from`. */
function inTimeOrder<T extends z.ZodType<{ from?: Date | undefined; to?: Date | undefined }>>(schema: T): T {
  return schema.check((ctx) => {
    const { from, to } = ctx.value;
    if (from && to && to.getTime() <= from.getTime()) {
      ctx.issues.push({ code: "custom", input: to, path: ["to"], message: "must be after from" });
    }
  });
}

/** The audit log's filters; each given one must hold. */
export const auditFilters = inTimeOrder(z.object(filterFields));

export const auditRouter = router({
  list: roleProcedure("governance")
    .input(
      inTimeOrder(
        z.object({
          ...filterFields,
          cursor: z
            .string()
            .regex(/^\d{1,18}$/, "must be a cursor returned by a previous page")
            .optional(),
          limit: z.number().int().min(1).max(100).default(50),
        }),
      ),
    )
    .query(({ ctx, input }) => ctx.services.audit.list(input)),
});
