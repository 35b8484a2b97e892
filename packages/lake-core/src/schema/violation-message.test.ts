import { describe, expect, it } from "vitest";
import { formatViolation, validatorFor } from "./schema-validator";

/** The reason a dead letter gets for one payload against one schema. */
function reason(schema: Record<string, unknown>, payload: unknown): string | undefined {
  const violation = validatorFor(`v-${Math.random()}`, schema)(payload);
  return violation && formatViolation(violation);
}

const order = (properties: Record<string, unknown>) => ({ type: "object", properties });

describe("a schema violation's reason says what was expected and what was sent", () => {
  it("lists an enum's allowed values", () => {
    const schema = order({ status: { enum: ["paid", "refunded", "void"] } });
    expect(reason(schema, { status: "pending" })).toBe(
      '/status: must be one of "paid", "refunded", "void"; got "pending"',
    );
    const many = order({ code: { enum: Array.from({ length: 14 }, (_, i) => `c${i}`) } });
    expect(reason(many, { code: 3 })).toBe(
      '/code: must be one of "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9" (or 4 more); got 3',
    );
  });

  it("names the expected format", () => {
    const schema = order({ at: { type: "string", format: "date-time" }, email: { format: "email" } });
    expect(reason(schema, { at: "yesterday" })).toBe('/at: must be a date-time (RFC 3339), got "yesterday"');
    expect(reason(schema, { email: "nobody" })).toBe('/email: must be an email address, got "nobody"');
  });

  it("gives a range's bound", () => {
    const schema = order({
      amount: { type: "number", minimum: 0, exclusiveMaximum: 1000, multipleOf: 0.5 },
      items: { type: "integer", maximum: 10 },
    });
    expect(reason(schema, { amount: -5 })).toBe("/amount: must be ≥ 0, got -5");
    expect(reason(schema, { amount: 1000 })).toBe("/amount: must be < 1000, got 1000");
    expect(reason(schema, { amount: 1.25 })).toBe("/amount: must be a multiple of 0.5, got 1.25");
    expect(reason(schema, { items: 11 })).toBe("/items: must be ≤ 10, got 11");
  });

  it("gives a length's bound and the length sent", () => {
    const schema = order({ code: { type: "string", minLength: 3, maxLength: 5 } });
    expect(reason(schema, { code: "ab" })).toBe(
      '/code: must be at least 3 characters long, got 2 characters: "ab"',
    );
    expect(reason(schema, { code: "abcdef" })).toBe(
      '/code: must be at most 5 characters long, got 6 characters: "abcdef"',
    );
    // Characters are code points, as JSON Schema counts them.
    expect(reason(schema, { code: "😀😀" })).toBe(
      '/code: must be at least 3 characters long, got 2 characters: "😀😀"',
    );
  });

  it("shows the pattern", () => {
    const schema = order({ currency: { type: "string", pattern: "^[A-Z]{3}$" } });
    expect(reason(schema, { currency: "usd" })).toBe(
      '/currency: must match the pattern /^[A-Z]{3}$/, got "usd"',
    );
  });

  it("names the expected and the sent type", () => {
    const schema = order({
      amount: { type: "number" },
      items: { type: "integer" },
      note: { type: ["string", "null"] },
      tags: { type: "array" },
    });
    expect(reason(schema, { amount: "12" })).toBe('/amount: must be a number, got the string "12"');
    expect(reason(schema, { items: 1.5 })).toBe("/items: must be an integer, got the number 1.5");
    expect(reason(schema, { note: false })).toBe("/note: must be a string or null, got the boolean false");
    expect(reason(schema, { tags: { a: 1 } })).toBe("/tags: must be an array, got an object");
    expect(reason(schema, { amount: null })).toBe("/amount: must be a number, got null");
  });

  it("gives a const's value", () => {
    const schema = order({ currency: { const: "USD" } });
    expect(reason(schema, { currency: "usd" })).toBe('/currency: must be "USD", got "usd"');
  });

  it("names a missing required property and an extra one, and points at them", () => {
    const schema = { ...order({ id: { type: "string" } }), required: ["id"], additionalProperties: false };
    const missing = validatorFor(`v-${Math.random()}`, schema)({});
    expect(missing).toEqual({ path: "/id", message: 'the required property "id" is missing' });
    expect(reason(schema, { id: "a", coupon: "X" })).toBe(
      '/coupon: the property "coupon" is not declared by the schema, which allows no other properties',
    );
    const nested = { ...order({ customer: { type: "object", required: ["email"] } }) };
    expect(reason(nested, { customer: {} })).toBe(
      '/customer/email: the required property "email" is missing',
    );
  });

  it("counts items and properties", () => {
    const schema = order({
      lines: { type: "array", minItems: 1, uniqueItems: true },
      meta: { type: "object", maxProperties: 1 },
    });
    expect(reason(schema, { lines: [] })).toBe("/lines: must have at least 1 item, got 0");
    expect(reason(schema, { lines: [1, 2, 1] })).toBe(
      "/lines: must not hold duplicate items, got equal items at 0 and 2",
    );
    expect(reason(schema, { meta: { a: 1, b: 2 } })).toBe("/meta: must have at most 1 property, got 2");
  });

  it("keeps values short and never writes out the event", () => {
    const schema = {
      ...order({ note: { type: "string", maxLength: 10 }, status: { enum: ["paid"] } }),
      required: ["id"],
    };
    const long = `${"x".repeat(5000)}SECRET-TAIL`;
    const text = reason(schema, { note: long })!;
    expect(text).toContain(`"${"x".repeat(40)}…"`);
    expect(text).not.toContain("SECRET-TAIL");
    expect(text.length).toBeLessThan(200);
    // A container is named by its kind, not written out, wherever it is the value at fault.
    expect(reason(schema, { id: "a", status: { card: "4111 1111 1111 1111" } })).toBe(
      '/status: must be "paid"; got an object',
    );
    expect(reason({ type: "string" }, { card: "4111 1111 1111 1111" })).toBe(
      "/: must be a string, got an object",
    );
    const missing = reason(schema, { card: "4111 1111 1111 1111" })!;
    expect(missing).toBe('/id: the required property "id" is missing');
  });

  it("lists every violation of an event, each with its own reason", () => {
    const schema = {
      ...order({ amount: { type: "number", minimum: 0 }, status: { enum: ["paid", "void"] } }),
      required: ["id", "amount"],
    };
    expect(reason(schema, { amount: -1, status: "pending" })).toBe(
      '/id: the required property "id" is missing; /amount: must be ≥ 0, got -1; /status: must be one of "paid", "void"; got "pending"',
    );
  });
});
