// The console's dead-letter queries: the list and one letter, for the roles that may read them.
import type { Role } from "@inlet/db";
import { z } from "zod";
import { roleProcedure, router } from "../trpc";

/** Who may read dead letters, here and as a downloaded file (admin may do everything). */
export const deadLetterReaders: Role[] = ["engineer", "oncall"];

const slug = z.string().min(1).max(64);

export const deadLettersRouter = router({
  list: roleProcedure(...deadLetterReaders)
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
    .query(({ ctx, input }) => ctx.services.deadLetters.list(ctx.actor, input)),
  get: roleProcedure(...deadLetterReaders)
    .input(z.object({ id: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => ctx.services.deadLetters.get(ctx.actor, input.id)),
});
