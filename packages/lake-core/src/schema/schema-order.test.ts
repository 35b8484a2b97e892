import { expect, it } from "vitest";
import { readableSchemaOrder } from "./schema-order";

it("lays a schema out as written: keywords in the usual order, properties in the table's column order", () => {
  // As jsonb gives it back: keys sorted by length.
  const stored = {
    type: "object",
    $schema: "https://json-schema.org/draft/2020-12/schema",
    required: ["payment_id"],
    properties: {
      ts: { type: "string" },
      paid: { type: "boolean" },
      amount: { type: "number" },
      payment_id: { type: "string" },
    },
  };
  const shown = readableSchemaOrder(stored, ["payment_id", "amount", "paid", "ts", "_event_id"]) as Record<
    string,
    unknown
  >;
  expect(Object.keys(shown)).toEqual(["$schema", "type", "properties", "required"]);
  expect(Object.keys(shown.properties as object)).toEqual(["payment_id", "amount", "paid", "ts"]);
  expect(readableSchemaOrder(null, [])).toBeNull();
});
