// sources.inferSchema: a JSON Schema, the sample's format and suggested id/time fields from a pasted
// or uploaded sample. A mutation so that the sample travels in the body (up to MAX_SAMPLE_BYTES; see
// trpc-body-limits.ts for the body limit of this procedure); it changes nothing, so writes no audit row.
import { z } from "zod";
import { roleProcedure } from "../trpc";

const SAMPLE_KINDS = ["ndjson", "json-array", "json", "csv"] as const;

export const schemaInferenceProcedures = {
  inferSchema: roleProcedure("engineer")
    .input(
      z.object({
        sample: z.string(),
        /** What the sample is; detected from its text when absent. */
        kind: z.enum(SAMPLE_KINDS).optional(),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.sourceRegistration.inferSchema(input.sample, input.kind)),
};
