// The Policies page's procedures: tables and tags with their rules, a table's whole policy saved at
// once with a reason, tags created and their rules set, and previews of a table or a saved query as one
// role sees it (an unsaved draft too). For governance staff and admins; every change is audited.
import { ROLES } from "@inlet/db";
import { z } from "zod";
import { roleProcedure, router } from "../trpc";
import { queryParams } from "./queries";

const governance = roleProcedure("governance");

const tableName = z
  .string()
  .min(1)
  .max(130)
  .regex(
    /^(curated|analytics)\.[a-z][a-z0-9_-]*$/,
    "must be a curated or analytics table, such as curated.orders",
  );

const role = z.enum(ROLES);

const column = z.string().min(1).max(200);

export const tagName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z][a-z0-9_-]{0,39}$/,
    "a tag is a letter then up to 39 letters, digits, _ or -, such as pii or card_number",
  );

const maskSpec = z.discriminatedUnion("style", [
  z.object({ style: z.literal("full") }),
  z.object({
    style: z.literal("last"),
    keep: z
      .number()
      .int("keep a whole number of characters")
      .min(1, "keep at least 1 character")
      .max(64, "keep at most 64 characters"),
  }),
  z.object({
    style: z.literal("fixed"),
    replacement: z.string().max(200, "the replacement is at most 200 characters"),
  }),
]);

/** What a role sees of a column: allow, deny, mask (all, all but the last N characters, a fixed text) or hash. */
export const columnRule = z.discriminatedUnion("action", [
  z.object({ action: z.literal("allow") }),
  z.object({ action: z.literal("deny") }),
  z.object({ action: z.literal("mask"), mask: maskSpec }),
  z.object({ action: z.literal("hash") }),
]);

const reason = z
  .string()
  .trim()
  .min(1, "say why the policy changes; the reason goes to the audit log")
  .max(500, "at most 500 characters");

/** A table's whole policy: what is not listed (or is null) is not set. */
export const policyDraft = z.object({
  columnRules: z.array(z.object({ column, role, rule: columnRule.nullable() })).max(5000),
  rowFilters: z
    .array(z.object({ role, predicate: z.string().max(4000, "at most 4000 characters").nullable() }))
    .max(ROLES.length),
  columnTags: z.array(z.object({ column, tags: z.array(tagName).max(20) })).max(2000),
  denyUnruledColumns: z.boolean(),
});

export const policiesRouter = router({
  tables: governance.query(({ ctx }) => ctx.services.policies.tables()),
  tags: governance.query(({ ctx }) => ctx.services.policies.tags()),
  get: governance
    .input(z.object({ table: tableName }))
    .query(({ ctx, input }) => ctx.services.policies.get(input.table)),
  save: governance
    .input(policyDraft.extend({ table: tableName, reason }))
    .mutation(({ ctx, input }) => ctx.services.policies.save(ctx.actor, input, ctx.requestId)),
  createTag: governance
    .input(z.object({ name: tagName, description: z.string().trim().max(500).default("") }))
    .mutation(({ ctx, input }) => ctx.services.policies.createTag(ctx.actor, input, ctx.requestId)),
  saveTag: governance
    .input(
      z.object({
        tag: tagName,
        reason,
        description: z.string().trim().max(500).optional(),
        defaultDeny: z.boolean(),
        rules: z.array(z.object({ role, rule: columnRule.nullable() })).max(ROLES.length * 2),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.policies.saveTag(ctx.actor, input, ctx.requestId)),
  preview: governance
    .input(z.object({ table: tableName, role, draft: policyDraft.optional() }))
    .mutation(({ ctx, input }) => ctx.services.policies.preview(ctx.actor, input, ctx.requestId)),
  savedQueries: governance
    .input(z.object({ role }))
    .query(({ ctx, input }) => ctx.services.policies.savedQueries(input.role)),
  previewSavedQuery: governance
    .input(z.object({ savedQueryId: z.string().min(1).max(64), role, params: queryParams }))
    .mutation(({ ctx, input }) => ctx.services.policies.previewSavedQuery(ctx.actor, input, ctx.requestId)),
});
