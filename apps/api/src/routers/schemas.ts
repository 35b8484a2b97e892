// The schema registry: a source's schema versions listed, read and compared; a candidate checked and
// registered; the source's compatibility mode set. Engineers, governance and on-call read; engineers write.
import { z } from "zod";
import { roleProcedure, router } from "../trpc";
import { versionNumber as version } from "./input-fields";
import { COMPATIBILITY } from "./sources";

const slug = z.string().trim().min(1).max(64);
const schema = z.record(z.string(), z.unknown());

const readers = roleProcedure("engineer", "governance", "oncall");

export const schemasRouter = router({
  list: readers
    .input(z.object({ slug }))
    .query(({ ctx, input }) => ctx.services.schemaRegistry.list(input.slug)),
  get: readers
    .input(z.object({ slug, version }))
    .query(({ ctx, input }) => ctx.services.schemaRegistry.get(input.slug, input.version)),
  diff: readers
    .input(z.object({ slug, from: version, to: version }))
    .query(({ ctx, input }) => ctx.services.schemaRegistry.diff(input.slug, input.from, input.to)),
  // Sent as a POST, since a schema can be longer than a URL holds; it changes nothing.
  check: readers
    .input(z.object({ slug, schema }))
    .mutation(({ ctx, input }) => ctx.services.schemaRegistry.check(input.slug, input.schema)),
  register: roleProcedure("engineer")
    .input(z.object({ slug, schema }))
    .mutation(({ ctx, input }) =>
      ctx.services.schemaRegistry.register(ctx.actor, input.slug, input.schema, ctx.requestId),
    ),
  setCompatibility: roleProcedure("engineer")
    .input(z.object({ slug, mode: z.enum(COMPATIBILITY) }))
    .mutation(({ ctx, input }) =>
      ctx.services.schemaRegistry.setCompatibility(ctx.actor, input.slug, input.mode, ctx.requestId),
    ),
});
