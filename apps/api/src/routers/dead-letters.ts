import { z } from "zod";
import { roleProcedure, router } from "../trpc";

const slug = z.string().min(1).max(64);

export const deadLettersRouter = router({
  list: roleProcedure("engineer", "oncall")
    .input(
      z.object({
        source: slug.optional(),
        reasonCode: z
          .string()
          .max(64)
          .regex(/^[A-Z_]+$/, "must be a reason code such as SCHEMA_VIOLATION")
          .optional(),
        status: z.enum(["open", "replayed", "discarded"]).default("open"),
        cursor: z.string().min(1).max(64).optional(),
        limit: z.number().int().min(1).max(100).default(50),
      }),
    )
    .query(({ ctx, input }) => ctx.services.deadLetters.list(input)),
  get: roleProcedure("engineer", "oncall")
    .input(z.object({ id: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => ctx.services.deadLetters.get(input.id)),
});
