import { authedProcedure, router } from "../trpc";

export const overviewRouter = router({
  summary: authedProcedure.query(({ ctx }) => ctx.services.overview.summary()),
});
