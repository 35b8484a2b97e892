import { describe, expect, it } from "vitest";
import { diffSchemas, type SchemaChange } from "./schema-diff";
import type { JsonSchema } from "./schema-node";

/** The parts of a change a person reads: kind, field and what happened. */
function readable(changes: SchemaChange[]): [string, string, string][] {
  return changes.map((c) => [c.kind, c.field, c.description]);
}

const ordersV1: JsonSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  properties: {
    orderId: { type: "string", pattern: "^O-\\d+$" },
    amount: { type: "number", minimum: 0 },
    currency: { type: "string", enum: ["EUR", "USD"] },
    placedAt: { type: "string", format: "date" },
    customer: {
      type: "object",
      properties: { email: { type: "string" }, tier: { type: "integer" } },
      required: ["email"],
    },
    lines: {
      type: "array",
      items: {
        type: "object",
        properties: { sku: { type: "string" }, qty: { type: "integer" } },
        required: ["sku"],
      },
    },
    legacyCode: { type: "string" },
    note: { anyOf: [{ type: "string" }, { type: "null" }] },
  },
  required: ["orderId", "amount", "legacyCode"],
};

const ordersV2: JsonSchema = {
  type: "object",
  properties: {
    orderId: { type: "string", pattern: "^O-\\d+$", description: "The order's id in the shop" },
    amount: { type: "integer", minimum: 0, maximum: 100000 },
    currency: { type: "string", enum: ["EUR", "USD", "GBP"] },
    placedAt: { type: "string", format: "date-time" },
    customer: {
      type: "object",
      properties: {
        email: { type: "string", format: "email" },
        tier: { type: ["integer", "null"] },
        phone: { type: "string" },
      },
      required: ["email", "tier"],
    },
    lines: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        properties: { sku: { type: "string" }, qty: { type: "number" } },
        required: ["sku", "qty"],
      },
    },
    note: { type: ["string", "null"] },
    channel: { type: "string", enum: ["web", "store"] },
  },
  required: ["orderId", "amount", "channel"],
  additionalProperties: false,
};

describe("schema diff", () => {
  it("describes an order schema's next version field by field, nested fields and array items included", () => {
    expect(readable(diffSchemas(ordersV1, ordersV2))).toEqual([
      [
        "constraint",
        "",
        "additionalProperties changed from true to false (undeclared fields are now refused)",
      ],
      ["retyped", "amount", "type changed from number to integer"],
      ["constraint", "amount", "maximum 100000 added"],
      ["enum", "currency", 'enum values added: "GBP"'],
      ["format", "placedAt", 'format changed from "date" to "date-time"'],
      ["format", "customer.email", 'format "email" added'],
      ["required", "customer.tier", "became required"],
      ["retyped", "customer.tier", "type changed from integer to integer or null"],
      ["added", "customer.phone", "added, optional (string)"],
      ["constraint", "lines", "minItems 1 added"],
      ["required", "lines[].qty", "became required"],
      ["retyped", "lines[].qty", "type changed from integer to number"],
      ["removed", "legacyCode", "removed, was required (string)"],
      ["added", "channel", "added, required (string)"],
    ]);
  });

  it("gives each change its JSON pointer, its values before and after, and what it does to valid events", () => {
    const changes = diffSchemas(ordersV1, ordersV2);
    const qty = changes.filter((c) => c.field === "lines[].qty");
    expect(qty).toEqual([
      {
        kind: "required",
        path: "/lines/*/qty",
        field: "lines[].qty",
        from: false,
        to: true,
        effect: "narrows",
        description: "became required",
      },
      {
        kind: "retyped",
        path: "/lines/*/qty",
        field: "lines[].qty",
        from: ["integer"],
        to: ["number"],
        effect: "widens",
        description: "type changed from integer to number",
      },
    ]);
    expect(changes.find((c) => c.field === "currency")).toMatchObject({
      kind: "enum",
      keyword: "enum",
      from: ["EUR", "USD"],
      to: ["EUR", "USD", "GBP"],
      effect: "widens",
    });
    // Required in a version that now refuses undeclared fields: old events break, and so would new ones.
    expect(changes.find((c) => c.field === "legacyCode")).toMatchObject({
      kind: "removed",
      path: "/legacyCode",
      from: { type: "string" },
      effect: "changes",
    });
  });

  it("finds nothing when only annotations, property order or the spelling of a nullable type differ", () => {
    const before: JsonSchema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      title: "Page view",
      type: "object",
      properties: {
        url: { type: "string", format: "uri", description: "Page address" },
        referrer: { oneOf: [{ type: "string" }, { type: "null" }] },
        durationMs: { anyOf: [{ type: "integer", minimum: 0 }, { type: "null" }] },
      },
      required: ["url"],
    };
    const after: JsonSchema = {
      type: "object",
      description: "One page view in the browser",
      properties: {
        durationMs: { type: ["integer", "null"], minimum: 0, examples: [1200] },
        referrer: { type: ["null", "string"] },
        url: { format: "uri", type: "string", title: "URL" },
      },
      required: ["url"],
    };
    expect(diffSchemas(before, after)).toEqual([]);
    expect(diffSchemas(after, before)).toEqual([]);
  });

  it("reports values added and removed from an enum as one change", () => {
    const before = { type: "object", properties: { state: { enum: ["pending", "settled"] } } };
    const after = { type: "object", properties: { state: { enum: ["settled", "refunded"] } } };
    expect(diffSchemas(before, after)).toEqual([
      {
        kind: "enum",
        path: "/state",
        field: "state",
        keyword: "enum",
        from: ["pending", "settled"],
        to: ["settled", "refunded"],
        effect: "changes",
        description: 'enum values added: "refunded"; enum values removed: "pending"',
      },
    ]);
  });

  it("reads const as a one-value enum and an enum's type from its values", () => {
    const v1 = { properties: { version: { const: 1 }, kind: { enum: ["a", "b"] } } };
    const v2 = { properties: { version: { const: 2 }, kind: { type: "string", enum: ["a", "b"] } } };
    expect(readable(diffSchemas(v1, v2))).toEqual([["enum", "version", "const changed from 1 to 2"]]);
    const v3 = { properties: { version: { enum: [1, 2] }, kind: { type: "string" } } };
    expect(readable(diffSchemas(v1, v3))).toEqual([
      ["enum", "version", "enum values added: 2"],
      ["enum", "kind", 'enum ["a","b"] removed'],
    ]);
  });

  it("reports a field made required and one made optional", () => {
    const before = {
      properties: { userId: { type: "string" }, sessionId: { type: "string" } },
      required: ["userId"],
    };
    const after = { ...before, required: ["sessionId"] };
    expect(diffSchemas(before, after).map((c) => [c.kind, c.field, c.from, c.to, c.effect])).toEqual([
      ["optional", "userId", true, false, "widens"],
      ["required", "sessionId", false, true, "narrows"],
    ]);
  });

  it("says which way each bound moved and what that does", () => {
    const before = {
      properties: {
        temperature: { type: "number", minimum: -40, maximum: 85 },
        deviceId: { type: "string", minLength: 8, maxLength: 16 },
        readings: { type: "array", maxItems: 100, uniqueItems: true },
        step: { type: "integer", multipleOf: 5 },
      },
    };
    const after = {
      properties: {
        temperature: { type: "number", minimum: -50, exclusiveMaximum: 85 },
        deviceId: { type: "string", minLength: 12, maxLength: 16 },
        readings: { type: "array", maxItems: 50 },
        step: { type: "integer", multipleOf: 10 },
      },
    };
    expect(diffSchemas(before, after).map((c) => [c.field, c.description, c.effect])).toEqual([
      ["temperature", "maximum 85 removed", "widens"],
      ["temperature", "exclusiveMaximum 85 added", "narrows"],
      ["temperature", "minimum lowered from -40 to -50", "widens"],
      ["deviceId", "minLength raised from 8 to 12", "narrows"],
      ["readings", "maxItems lowered from 100 to 50", "narrows"],
      ["readings", "items no longer need to be unique", "widens"],
      ["step", "multipleOf changed from 5 to 10", "narrows"],
    ]);
  });

  it("says an optional field declared or dropped on an open object leaves valid events alone, unlike on a closed one", () => {
    const open = { properties: { a: { type: "string" } } };
    const openPlus = { properties: { a: { type: "string" }, b: { type: "integer" } } };
    expect(diffSchemas(open, openPlus).map((c) => [c.kind, c.field, c.effect])).toEqual([
      ["added", "b", "neutral"],
    ]);
    expect(diffSchemas(openPlus, open).map((c) => [c.kind, c.field, c.effect])).toEqual([
      ["removed", "b", "neutral"],
    ]);
    const closed = { ...open, additionalProperties: false };
    const closedPlus = { ...openPlus, additionalProperties: false };
    expect(diffSchemas(closed, closedPlus).map((c) => [c.kind, c.effect])).toEqual([["added", "widens"]]);
    expect(diffSchemas(closedPlus, closed).map((c) => [c.kind, c.effect])).toEqual([["removed", "narrows"]]);
  });

  it("reads bare type unions and nullable unions as types", () => {
    const before = { properties: { value: { oneOf: [{ type: "number" }, { type: "string" }] } } };
    const after = { properties: { value: { type: ["number", "string", "null"] } } };
    expect(readable(diffSchemas(before, after))).toEqual([
      ["retyped", "value", "type changed from number or string to number or string or null"],
    ]);
  });

  it("compares a union branch by branch, and a branch replaced as that branch", () => {
    const card = {
      type: "object",
      properties: { last4: { type: "string", pattern: "^\\d{4}$" } },
      required: ["last4"],
    };
    const iban = { type: "object", properties: { iban: { type: "string" } }, required: ["iban"] };
    const before = { properties: { payment: { anyOf: [card, iban] } } };
    const cardV2 = { ...card, properties: { last4: { type: "string", pattern: "^[0-9]{4}$" } } };
    expect(diffSchemas(before, { properties: { payment: { anyOf: [cardV2, iban] } } })).toMatchObject([
      {
        kind: "constraint",
        keyword: "pattern",
        path: "/payment/last4",
        field: "payment.last4",
        effect: "changes",
        description: 'pattern changed from "^\\\\d{4}$" to "^[0-9]{4}$"',
      },
    ]);
    const wallet = { type: "object", properties: { wallet: { type: "string" } }, required: ["wallet"] };
    const [added] = diffSchemas(before, { properties: { payment: { anyOf: [card, iban, wallet] } } });
    expect(added).toMatchObject({ kind: "constraint", keyword: "anyOf", field: "payment", effect: "widens" });
    expect(added?.description).toMatch(/^anyOf branch \{.*"wallet".* added$/);
  });

  it("keeps keywords it does not read one by one as whole values", () => {
    const before = {
      properties: { code: { type: "string", not: { const: "" } } },
      $defs: { a: { type: "string" } },
    };
    const after = { properties: { code: { type: "string" } }, $defs: { a: { type: "integer" } } };
    expect(diffSchemas(before, after).map((c) => [c.field, c.keyword, c.effect, c.description])).toEqual([
      ["code", "not", "widens", 'not {"const":""} removed'],
      ["", "$defs", "changes", '$defs changed from {"a":{"type":"string"}} to {"a":{"type":"integer"}}'],
    ]);
  });
});
