// Alerts: the effective rules (any on-call, engineer or admin reads them; on-call and admins set them),
// the firing alerts for the console's banner, the history, acknowledging, and the webhook (admins).
// Mutations are audited.
import { z } from "zod";
import { alertKindSchema, ruleInputSchema } from "../services/alert-rules";
import { webhookUrlSchema } from "../services/alert-webhook";
import { roleProcedure, router } from "../trpc";

const readers = roleProcedure("oncall", "engineer");
const setters = roleProcedure("oncall");

export const alertsRouter = router({
  rules: readers.query(({ ctx }) => ctx.services.alerts.rules()),
  setRule: setters
    .input(ruleInputSchema)
    .mutation(({ ctx, input }) => ctx.services.alerts.setRule(ctx.actor, input, ctx.requestId)),
  clearRule: setters
    .input(z.object({ kind: alertKindSchema, subject: z.string().min(1).max(200) }))
    .mutation(({ ctx, input }) => ctx.services.alerts.clearRule(ctx.actor, input, ctx.requestId)),
  active: readers.query(({ ctx }) => ctx.services.alerts.active()),
  /** Whether rules are being evaluated: the last round, how long it took, and what it could not read. */
  evaluation: readers.query(({ ctx }) => ctx.services.alerts.evaluation()),
  history: readers
    .input(
      z.object({
        kind: alertKindSchema.optional(),
        subject: z.string().min(1).max(200).optional(),
        state: z.enum(["open", "resolved"]).optional(),
        cursor: z.string().min(1).max(100).optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => ctx.services.alerts.history(input)),
  acknowledge: roleProcedure("oncall", "engineer")
    .input(z.object({ id: z.string().min(1).max(100) }))
    .mutation(({ ctx, input }) => ctx.services.alerts.acknowledge(ctx.actor, input.id, ctx.requestId)),
  /** The webhook's URL, whether a secret is set, and the latest postings (admins only). */
  webhook: roleProcedure("admin").query(({ ctx }) => ctx.services.alertWebhook.settings()),
  /** Sets the URL (null: off); the signing secret is returned once, when generated or rotated. */
  setWebhook: roleProcedure("admin")
    .input(z.object({ url: webhookUrlSchema.nullable(), rotateSecret: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => ctx.services.alertWebhook.set(ctx.actor, input, ctx.requestId)),
});
