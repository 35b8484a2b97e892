// Who am I, and which console sections may I use.
import { sectionsFor } from "../auth/sections";
import { authedProcedure } from "../trpc";

export const meProcedure = authedProcedure.query(({ ctx }) => ({
  id: ctx.actor.id,
  email: ctx.actor.email,
  name: ctx.actor.name,
  roles: ctx.actor.roles,
  sections: sectionsFor(ctx.actor.roles),
}));
