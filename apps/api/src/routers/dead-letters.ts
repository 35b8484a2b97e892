// The console's dead-letter queries: the letters grouped by cause, the list and one letter, for the
// roles that may read them.
import type { Role } from "@inlet/db";
import { DEAD_LETTER_SEARCH_MAX_CHARS, DEAD_LETTER_SEARCH_MIN_CHARS } from "@inlet/lake-core";
import { z } from "zod";
import { roleProcedure, router } from "../trpc";
import { instantText as instant } from "./input-fields";

/** Who may read dead letters, here and as a downloaded file (admin may do everything). */
export const deadLetterReaders: Role[] = ["engineer", "oncall"];

const slug = z.string().min(1).max(64);

/** Which letters (each given field must hold); the grouped view, the list and a group's letters share it. */
export const deadLetterFilterFields = {
  /** A source's slug; null: letters without a source. */
  source: slug.nullable().optional(),
  reasonCode: z
    .string()
    .max(64)
    .regex(/^[A-Z_]+$/, "must be a reason code such as SCHEMA_VIOLATION")
    .optional(),
  status: z.enum(["open", "replayed", "discarded"]).default("open"),
  batchId: z.string().trim().min(1).max(64).optional(),
  /** A JSON pointer ("" is the whole event); null: letters without one. */
  path: z
    .string()
    .max(1024)
    .refine((p) => p === "" || p.startsWith("/"), 'must be a JSON pointer such as "/amount"')
    .nullable()
    .optional(),
  /** A schema version; null: letters no schema judged. */
  schemaVersion: z.number().int().min(1).max(1_000_000).nullable().optional(),
  /** Received at or after. */
  from: instant.optional(),
  /** Received before. */
  to: instant.optional(),
  /** Text the payload holds, case-insensitively (in its first 65,536 characters). */
  search: z
    .string()
    .trim()
    .min(DEAD_LETTER_SEARCH_MIN_CHARS, `must be at least ${DEAD_LETTER_SEARCH_MIN_CHARS} characters`)
    .max(DEAD_LETTER_SEARCH_MAX_CHARS, `must be at most ${DEAD_LETTER_SEARCH_MAX_CHARS} characters`)
    .optional(),
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

export const deadLettersRouter = router({
  groups: roleProcedure(...deadLetterReaders)
    .input(
      inTimeOrder(
        z.object({
          ...deadLetterFilterFields,
          sort: z.enum(["count", "lastSeen"]).default("count"),
          limit: z.number().int().min(1).max(200).default(100),
        }),
      ),
    )
    .query(({ ctx, input }) => ctx.services.deadLetters.groups(ctx.actor, input)),
  list: roleProcedure(...deadLetterReaders)
    .input(
      inTimeOrder(
        z.object({
          ...deadLetterFilterFields,
          cursor: z.string().min(1).max(64).optional(),
          limit: z.number().int().min(1).max(100).default(50),
        }),
      ),
    )
    .query(({ ctx, input }) => ctx.services.deadLetters.list(ctx.actor, input)),
  get: roleProcedure(...deadLetterReaders)
    .input(z.object({ id: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => ctx.services.deadLetters.get(ctx.actor, input.id)),
});
