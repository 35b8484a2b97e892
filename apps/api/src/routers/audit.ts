import { z } from "zod";
import { roleProcedure, router } from "../trpc";

export const auditRouter = router({
  list: roleProcedure("governance")
    .input(
      z.object({
        cursor: z.string().regex(/^\d+$/, "must be a cursor returned by a previous page").optional(),
        limit: z.number().int().min(1).max(100).default(50),
        action: z.string().max(100).optional(),
      }),
    )
    .query(({ ctx, input }) => ctx.services.audit.list(input)),
});
