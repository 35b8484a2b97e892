import { ORDERS_SCHEMA } from "@inlet/db";
import { describe, expect, it } from "vitest";
import { exampleEvent } from "./example-event";
import { payloadColumns } from "./schema-columns";
import { inferSchema } from "./schema-inference";
import { compileEventValidator, unstorableValue } from "./schema-validator";

const now = new Date("2026-03-14T15:09:26.535Z");
const fields = { idField: "id", timeField: "time", now };

/** The example, checked as the pipeline will check it: the schema accepts it and its columns can hold it. */
function checkedExample(schema: unknown, options: { idField: string; timeField: string } = fields) {
  const event = exampleEvent(schema, { now, ...options });
  const violation = compileEventValidator(schema ?? {})(event);
  expect(violation, `${JSON.stringify(event)} against ${JSON.stringify(schema)}`).toBeUndefined();
  if (schema)
    expect(unstorableValue(event, payloadColumns(schema as Record<string, unknown>))).toBeUndefined();
  return event;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const schemas: Record<string, Record<string, unknown>> = {
  "the seed's orders": ORDERS_SCHEMA as unknown as Record<string, unknown>,
  formats: {
    type: "object",
    properties: {
      id: { type: "string", format: "uuid" },
      time: { type: "string", format: "date-time" },
      day: { type: "string", format: "date" },
      email: { type: "string", format: "email" },
      site: { type: "string", format: "uri" },
      ref: { type: "string", format: "uuid" },
      at: { type: "string", format: "time" },
      host: { type: "string", format: "hostname" },
      ip: { type: "string", format: "ipv4" },
      ip6: { type: "string", format: "ipv6" },
    },
    required: ["id", "time", "day", "email", "site", "ref", "at", "host", "ip", "ip6"],
    additionalProperties: false,
  },
  bounds: {
    type: "object",
    properties: {
      id: { type: "string" },
      time: { type: "string" },
      quantity: { type: "integer", minimum: 5, maximum: 9 },
      ratio: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
      negative: { type: "integer", maximum: -10 },
      step: { type: "number", multipleOf: 0.25, minimum: 10.1 },
      bigStep: { type: "integer", multipleOf: 7, exclusiveMinimum: 20 },
      code: { type: "string", minLength: 12, maxLength: 12 },
      short: { type: "string", maxLength: 3 },
      sku: { type: "string", pattern: "^[A-Z]{3}[0-9]{3}$", examples: ["ABC123"] },
      lower: { type: "string", pattern: "^[a-z]+$" },
      version: { type: "string", pattern: "^\\d+\\.\\d+\\.\\d+$" },
    },
    required: [
      "quantity",
      "ratio",
      "negative",
      "step",
      "bigStep",
      "code",
      "short",
      "sku",
      "lower",
      "version",
    ],
  },
  "enums, consts and nullable unions": {
    type: "object",
    properties: {
      id: { type: "integer" },
      time: { type: "integer" },
      status: { enum: [null, "new", "done"] },
      kind: { const: "order.created" },
      note: { anyOf: [{ type: "string", maxLength: 2 }, { type: "null" }] },
      score: { type: ["null", "number"], minimum: 1 },
      either: { oneOf: [{ type: "string" }, { type: "integer" }] },
      flag: { type: "boolean" },
      nothing: { type: "null" },
    },
    required: ["status", "kind", "note", "score", "either", "flag", "nothing"],
  },
  "nested objects and arrays": {
    type: "object",
    properties: {
      meta: {
        type: "object",
        properties: { event_id: { type: "string" }, sent_at: { type: "string", format: "date-time" } },
        required: ["event_id", "sent_at"],
      },
      lines: {
        type: "array",
        minItems: 2,
        uniqueItems: true,
        items: {
          type: "object",
          properties: { sku: { type: "string" }, qty: { type: "integer", minimum: 1 } },
          required: ["sku", "qty"],
          additionalProperties: false,
        },
      },
      tags: { type: "array", items: { type: "string" }, minItems: 3, uniqueItems: true },
      pair: { type: "array", prefixItems: [{ type: "number" }, { type: "string" }], items: false },
      none: { type: "array", maxItems: 0 },
      deep: {
        type: "object",
        properties: {
          a: {
            type: "object",
            properties: {
              b: {
                type: "object",
                properties: {
                  c: {
                    type: "object",
                    properties: {
                      d: { type: "object", properties: { e: { type: "string" } }, required: ["e"] },
                    },
                    required: ["d"],
                  },
                },
              },
            },
          },
        },
        required: ["a"],
      },
    },
    required: ["meta", "lines", "tags", "pair", "deep"],
  },
  "references and allOf": {
    type: "object",
    $defs: {
      address: {
        type: "object",
        properties: { city: { type: "string" }, zip: { type: "string", minLength: 4 } },
        required: ["city", "zip"],
      },
      node: { type: "object", properties: { child: { $ref: "#/$defs/node" } } },
    },
    allOf: [
      { properties: { id: { type: "string" } }, required: ["id"] },
      { properties: { time: { type: "string", format: "date-time" } }, required: ["time"] },
    ],
    properties: { home: { $ref: "#/$defs/address" }, tree: { $ref: "#/$defs/node" } },
    required: ["home", "tree"],
  },
  "required fields it does not declare": {
    type: "object",
    properties: { id: { type: "string" }, time: { type: "string" } },
    additionalProperties: { type: "integer" },
    required: ["id", "time", "count"],
  },
  "a draft-07 schema": {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    definitions: { money: { type: "number", minimum: 0 } },
    properties: { id: { type: "string" }, time: { type: "string" }, price: { $ref: "#/definitions/money" } },
    required: ["id", "time", "price"],
  },
};

describe("exampleEvent", () => {
  for (const [name, schema] of Object.entries(schemas)) {
    it(`makes an event valid under ${name}`, () => {
      checkedExample(
        schema,
        name === "the seed's orders" ? { idField: "id", timeField: "created_at" } : fields,
      );
    });
  }

  it("gives the seed's orders a fresh UUID, the time now, enums' first values and every property", () => {
    const event = checkedExample(ORDERS_SCHEMA, { idField: "id", timeField: "created_at" });
    expect(event).toEqual({
      id: expect.stringMatching(UUID),
      customer_id: "example",
      email: "someone@example.com",
      amount: 9.99,
      currency: "EUR",
      status: "placed",
      items: 1,
      country: "NL",
      created_at: "2026-03-14T15:09:26.535Z",
    });
    const again = exampleEvent(ORDERS_SCHEMA, { idField: "id", timeField: "created_at", now });
    expect(again.id).not.toBe(event.id);
  });

  it("honours the formats and the bounds", () => {
    const event = checkedExample(schemas.formats);
    expect(event).toMatchObject({
      day: "2026-03-14",
      email: "someone@example.com",
      site: "https://example.com/",
    });
    expect(event.ref).toMatch(UUID);
    const bounded = checkedExample(schemas.bounds);
    expect(bounded).toMatchObject({ quantity: 5, negative: -10, step: 10.25, bigStep: 21, sku: "ABC123" });
    expect(bounded.code).toHaveLength(12);
  });

  it("puts an id and a time at nested paths, as numbers where the schema wants numbers", () => {
    const nested = checkedExample(schemas["nested objects and arrays"], {
      idField: "meta.event_id",
      timeField: "meta.sent_at",
    });
    expect(nested.meta).toEqual({ event_id: expect.stringMatching(UUID), sent_at: now.toISOString() });
    const numeric = checkedExample(schemas["enums, consts and nullable unions"]);
    expect(numeric).toMatchObject({
      id: now.getTime(),
      time: now.getTime(),
      status: "new",
      kind: "order.created",
    });
  });

  it("makes a small object for a schemaless source, with the id and time where the source reads them", () => {
    const event = exampleEvent(null, { idField: "event.id", timeField: "ts", now });
    expect(event).toEqual({
      message: "Hello from Inlet",
      event: { id: expect.stringMatching(UUID) },
      ts: now.toISOString(),
    });
  });

  it("makes events valid under schemas inferred from realistic samples", () => {
    const samples = [
      '{"id":"a1","time":"2026-01-02T03:04:05Z","user":{"email":"x@y.io","age":31},"tags":["a","b"],"total":10.5}\n{"id":"a2","time":"2026-01-02T03:04:06Z","user":{"email":"z@y.io","age":null},"tags":[],"total":3}',
      '[{"event_id":"f47ac10b-58cc-4372-a567-0e02b2c3d479","ts":1767000000000,"items":[{"sku":"A","n":2}],"site":"https://example.org/x"}]',
      "order_id,placed_on,amount,paid\no-1,2026-01-02,10.00,true\no-2,2026-01-03,5,false\n",
    ];
    for (const sample of samples) {
      const inferred = inferSchema(sample);
      const idField = inferred.suggestions.idField ?? "id";
      const timeField = inferred.suggestions.timeField ?? "time";
      checkedExample(inferred.schema, { idField, timeField });
    }
  });
});
