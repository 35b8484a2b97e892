import { describe, expect, it } from "vitest";
import { formatViolation, validatorFor } from "./schema-validator";

const schema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["id", "amount"],
  additionalProperties: true,
  properties: {
    id: { type: "string" },
    amount: { type: "number" },
    at: { type: "string", format: "date-time" },
    lines: { type: "array", items: { type: "object", properties: { sku: { type: "string" } } } },
  },
};

describe("schema validator", () => {
  it("accepts valid payloads", () => {
    const v = validatorFor(`v-${Math.random()}`, schema);
    expect(v({ id: "a", amount: 1.5, at: "2024-05-01T10:00:00Z" })).toBeUndefined();
  });

  it("reports the JSON pointer and message of a violation", () => {
    const v = validatorFor(`v-${Math.random()}`, schema);
    const r = v({ id: "a", amount: "12" });
    expect(r).toEqual({ path: "/amount", message: 'must be a number, got the string "12"' });
    expect(formatViolation(r!)).toBe('/amount: must be a number, got the string "12"');
  });

  it("points at a missing required property and at nested items", () => {
    const v = validatorFor(`v-${Math.random()}`, schema);
    expect(v({ amount: 1 })?.path).toBe("/id");
    expect(v({ id: "a", amount: 1, lines: [{ sku: 1 }] })).toEqual({
      path: "/lines/0/sku",
      message: "must be a string, got the number 1",
    });
    expect(formatViolation(v("nope")!)).toBe('/: must be an object, got the string "nope"');
  });

  it("checks formats", () => {
    const v = validatorFor(`v-${Math.random()}`, schema);
    expect(v({ id: "a", amount: 1, at: "yesterday" })?.message).toBe(
      'must be a date-time (RFC 3339), got "yesterday"',
    );
  });

  it("compiles once per schema version id", () => {
    const id = `v-${Math.random()}`;
    const first = validatorFor(id, schema);
    expect(validatorFor(id, { type: "string" })).toBe(first);
  });

  it("compiles two versions that share an $id", () => {
    const a = validatorFor(`v-${Math.random()}`, { $id: "https://example.com/orders.json", type: "object" });
    const b = validatorFor(`v-${Math.random()}`, { $id: "https://example.com/orders.json", type: "string" });
    expect(a({})).toBeUndefined();
    expect(b({})?.message).toBe("must be a string, got an object");
  });
});

describe("properties named like Object.prototype members", () => {
  it("checks only the event's own members, so an absent optional 'constructor' is not a violation", () => {
    const validate = validatorFor("proto-names", {
      type: "object",
      properties: { constructor: { type: "string" }, toString: { type: "number" }, id: { type: "string" } },
      required: ["id"],
    });
    expect(validate({ id: "a" })).toBeUndefined();
    expect(validate({ id: "a", constructor: 5 })?.path).toBe("/constructor");
    expect(validate(JSON.parse('{"toString": "x", "id": "b"}'))?.path).toBe("/toString");
  });
});
