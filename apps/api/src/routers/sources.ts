import { z } from "zod";
import { roleProcedure, router } from "../trpc";

const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/, "must start with a letter and use only a-z, 0-9 and _");

export const sourcesRouter = router({
  list: roleProcedure("engineer", "oncall").query(({ ctx }) => ctx.services.sources.list()),
  get: roleProcedure("engineer", "oncall")
    .input(z.object({ slug }))
    .query(({ ctx, input }) => ctx.services.sources.get(input.slug)),
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
      .input(z.object({ id: z.string().min(1) }))
      .mutation(({ ctx, input }) => ctx.services.sources.revokeKey(ctx.actor, input.id, ctx.requestId)),
  }),
});
