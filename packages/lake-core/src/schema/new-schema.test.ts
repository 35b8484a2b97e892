import { describe, expect, it } from "vitest";
import { checkNewSchema } from "./new-schema";

const fields = { idField: "id", timeField: "created_at" };
const orders = {
  type: "object",
  properties: {
    id: { type: "string" },
    amount: { type: "number" },
    created_at: { type: "string", format: "date-time" },
  },
  required: ["id"],
};

describe("checkNewSchema", () => {
  it("returns the curated columns of a valid schema", () => {
    const columns = checkNewSchema(orders, fields).map((c) => `${c.name} ${c.type}`);
    expect(columns.slice(0, 3)).toEqual(["id VARCHAR", "amount DOUBLE", "created_at TIMESTAMPTZ"]);
    expect(columns).toContain("_event_id VARCHAR");
  });

  it("keeps a schemaless source's payload whole", () => {
    expect(checkNewSchema(undefined, fields).map((c) => c.name)).toContain("_payload");
  });

  it("refuses a schema that does not compile, naming the schema field", () => {
    expect(() => checkNewSchema({ type: "object", properties: { a: { type: "strin" } } }, fields)).toThrow(
      expect.objectContaining({ code: "BAD_REQUEST", details: { field: "schema" } }),
    );
    expect(() => checkNewSchema([], fields)).toThrow(/must be a JSON object/);
    expect(() => checkNewSchema({ type: "array" }, fields)).toThrow(/must describe objects/);
  });

  it("refuses an event-id or time field the schema does not declare, listing what it does", () => {
    expect(() => checkNewSchema(orders, { ...fields, idField: "order_id" })).toThrow(
      expect.objectContaining({
        details: { field: "idField" },
        message:
          "The event-id field 'order_id' is not a property of the schema (it declares 'id', 'amount', 'created_at')",
      }),
    );
    expect(() => checkNewSchema(orders, { ...fields, timeField: "ts" })).toThrow(
      expect.objectContaining({ details: { field: "timeField" } }),
    );
    // A dotted path into a declared object property is fine.
    const nested = { ...orders, properties: { ...orders.properties, meta: { type: "object" } } };
    expect(() => checkNewSchema(nested, { idField: "meta.eventId", timeField: "created_at" })).not.toThrow();
  });

  it("takes a declared string, integer or boolean property as the extra partition, and nothing else", () => {
    const withRegion = {
      ...orders,
      properties: { ...orders.properties, region: { type: "string" }, meta: { type: "object" } },
    };
    expect(() => checkNewSchema(withRegion, { ...fields, partitionProperty: "region" })).not.toThrow();
    const refused = (partitionProperty: string, message: RegExp) =>
      expect(() => checkNewSchema(withRegion, { ...fields, partitionProperty })).toThrow(
        expect.objectContaining({
          details: { field: "partitionProperty" },
          message: expect.stringMatching(message),
        }),
      );
    refused("country", /is not a top-level property/);
    refused("meta", /must be a string, integer or boolean/);
    refused("amount", /must be a string, integer or boolean/);
    refused("dt", /must not be 'dt'/);
    refused("a.b", /top-level property name/);
    expect(() => checkNewSchema(undefined, { ...fields, partitionProperty: "region" })).toThrow(
      /schemaless source cannot be partitioned/,
    );
  });
});
