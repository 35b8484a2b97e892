// The console's lake-table queries: tables by zone, one table's columns, partitions and snapshots, and
// its preview, for every role that may open the Tables page.
import { z } from "zod";
import { SECTION_ROLES } from "../auth/sections";
import { ZONES } from "../services/tables";
import { roleProcedure, router } from "../trpc";

/** A table as analysts write it (curated.orders), or a source's raw zone (raw.orders). */
const tableName = z
  .string()
  .min(1)
  .max(130)
  .regex(/^(raw|curated|analytics)\.[a-z][a-z0-9_-]*$/, "must be a zone and a table, such as curated.orders");

const cursor = z.string().min(1).max(400).optional();

const readers = SECTION_ROLES.tables;

export const tablesRouter = router({
  list: roleProcedure(...readers)
    .input(z.object({ zone: z.enum(ZONES).optional() }).default({}))
    .query(({ ctx, input }) => ctx.services.tables.list(ctx.actor, input.zone)),
  get: roleProcedure(...readers)
    .input(z.object({ name: tableName }))
    .query(({ ctx, input }) => ctx.services.tables.get(ctx.actor, input.name)),
  partitions: roleProcedure(...readers)
    .input(z.object({ name: tableName, cursor, limit: z.number().int().min(1).max(200).default(50) }))
    .query(({ ctx, input }) => ctx.services.tables.partitions(ctx.actor, input.name, input)),
  snapshots: roleProcedure(...readers)
    .input(z.object({ name: tableName, cursor, limit: z.number().int().min(1).max(100).default(50) }))
    .query(({ ctx, input }) => ctx.services.tables.snapshots(input.name, input)),
  preview: roleProcedure(...readers)
    .input(z.object({ table: tableName }))
    .query(({ ctx, input }) => ctx.services.tables.preview(ctx.actor, input.table)),
});
