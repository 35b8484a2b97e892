// The Operations dashboard: sampled series by range, the latest values, cost, and the price sheet admins edit.
import { z } from "zod";
import { SECTION_ROLES } from "../auth/sections";
import { OPS_RANGES } from "../services/operations";
import { opsPriceSheetSchema } from "../services/ops-price-sheet";
import { roleProcedure, router } from "../trpc";

const RANGE_DAYS = { "1h": 1, "24h": 2, "7d": 7 } as const;

/** Those the Operations section is for (admins, engineers, on-call), who also read the price sheet. */
const operators = roleProcedure(...SECTION_ROLES.operations);

export const operationsRouter = router({
  dashboard: operators.input(z.object({ range: z.enum(OPS_RANGES) })).query(async ({ ctx, input }) => {
    const ops = ctx.services.operations;
    const [series, current, cost] = await Promise.all([
      ops.series(input.range),
      ops.current(),
      ops.cost(RANGE_DAYS[input.range]),
    ]);
    return { ...series, current, cost, figures: ops.figures() };
  }),
  priceSheet: operators.query(({ ctx }) => ctx.services.operations.priceSheet()),
  setPriceSheet: roleProcedure("admin")
    .input(opsPriceSheetSchema)
    .mutation(({ ctx, input }) => ctx.services.operations.setPriceSheet(ctx.actor, input, ctx.requestId)),
});
