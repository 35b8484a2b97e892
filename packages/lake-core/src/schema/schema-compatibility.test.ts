import { describe, expect, it } from "vitest";
import { isInletError } from "../errors";
import {
  assertCompatible,
  type CompatibilityMode,
  checkCompatibility,
  compatibilityMessage,
} from "./schema-compatibility";
import type { JsonSchema } from "./schema-node";
import { type EventValidator, validatorFor } from "./schema-validator";

type Props = Record<string, JsonSchema | undefined>;

const ORDER_PROPS: Props = {
  id: { type: "string" },
  amount: { type: "number" },
  status: { type: "string", enum: ["new", "paid"] },
  note: { type: "string" },
};

/** The order schema with some properties replaced, added or (when undefined) removed. */
function order(props: Props = {}, more: Record<string, unknown> = {}): JsonSchema {
  const merged = Object.entries({ ...ORDER_PROPS, ...props }).filter(([, s]) => s !== undefined);
  return { type: "object", properties: Object.fromEntries(merged), required: ["id", "amount"], ...more };
}

function closedOrder(props: Props = {}, more: Record<string, unknown> = {}): JsonSchema {
  return order(props, { additionalProperties: false, ...more });
}

/** An order event valid under `order()`, with some fields replaced or added. */
function event(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: "O-1001", amount: 12.5, ...fields };
}

const customer = (props: Props, more: Record<string, unknown> = {}): JsonSchema => ({
  type: "object",
  properties: { email: { type: "string", format: "email" }, name: { type: "string" }, ...props },
  required: ["email"],
  ...more,
});

const lines = (item: Props, required = ["sku"]): JsonSchema => ({
  type: "array",
  items: {
    type: "object",
    properties: { sku: { type: "string" }, qty: { type: "integer", minimum: 1 }, ...item },
    required,
  },
});

interface EvolutionCase {
  name: string;
  mode: CompatibilityMode;
  /** Earlier versions, oldest first. */
  history: JsonSchema[];
  next: JsonSchema;
  /** Parts the message must hold when the change is refused; absent when it is compatible. */
  refusedWith?: string[];
  /**
   * Events validated by the real validator under the versions the mode compares: for a refused change
   * one of them is valid on one side and invalid on the other; for a compatible one none is.
   */
  events?: unknown[];
}

const cases: EvolutionCase[] = [
  // Adding a field
  {
    name: "an optional field added",
    mode: "BACKWARD",
    history: [order()],
    next: order({ coupon: { type: "string" } }),
    events: [event(), event({ coupon: "SPRING" })],
  },
  {
    name: "an optional field added",
    mode: "FORWARD",
    history: [order()],
    next: order({ coupon: { type: "string" } }),
    events: [event(), event({ coupon: "SPRING" })],
  },
  {
    name: "an optional field added",
    mode: "FULL",
    history: [order()],
    next: order({ coupon: { type: "string" } }),
  },
  {
    name: "a required field added",
    mode: "BACKWARD",
    history: [order()],
    next: order({ currency: { type: "string" } }, { required: ["id", "amount", "currency"] }),
    refusedWith: [
      "field 'currency': added, required (string)",
      "BACKWARD forbids adding a required field, since events written with version 1 would no longer validate",
    ],
    events: [event()],
  },
  {
    name: "a required field added to an open object",
    mode: "FORWARD",
    history: [order()],
    next: order({ currency: { type: "string" } }, { required: ["id", "amount", "currency"] }),
    events: [event({ currency: "EUR" })],
  },
  {
    name: "a required field added",
    mode: "FULL",
    history: [order()],
    next: order({ currency: { type: "string" } }, { required: ["id", "amount", "currency"] }),
    refusedWith: ["field 'currency'", "FULL forbids adding a required field"],
    events: [event()],
  },
  {
    name: "an optional field added to a closed object (no old event can hold it)",
    mode: "BACKWARD",
    history: [closedOrder()],
    next: closedOrder({ coupon: { type: "string" } }),
    events: [event(), event({ note: "gift" })],
  },
  {
    name: "an optional field added to a closed object",
    mode: "FORWARD",
    history: [closedOrder()],
    next: closedOrder({ coupon: { type: "string" } }),
    refusedWith: [
      "field 'coupon': added, optional (string)",
      "FORWARD forbids adding a field to a closed object, since events written with the new version would not validate under version 1",
    ],
    events: [event({ coupon: "SPRING" })],
  },
  {
    name: "an optional field added to a closed object",
    mode: "FULL",
    history: [closedOrder()],
    next: closedOrder({ coupon: { type: "string" } }),
    refusedWith: ["FULL forbids adding a field to a closed object", "would not validate under version 1"],
    events: [event({ coupon: "SPRING" })],
  },
  // Removing a field
  {
    name: "an optional field removed",
    mode: "BACKWARD",
    history: [order()],
    next: order({ note: undefined }),
    events: [event({ note: "gift" })],
  },
  {
    name: "an optional field removed",
    mode: "FORWARD",
    history: [order()],
    next: order({ note: undefined }),
    events: [event()],
  },
  {
    name: "an optional field removed from a closed object",
    mode: "BACKWARD",
    history: [closedOrder()],
    next: closedOrder({ note: undefined }),
    refusedWith: [
      "field 'note': removed, was optional (string)",
      "BACKWARD forbids removing a field from a closed object",
    ],
    events: [event({ note: "gift" })],
  },
  {
    name: "a required field removed",
    mode: "BACKWARD",
    history: [order()],
    next: order({ amount: undefined }, { required: ["id"] }),
    events: [event()],
  },
  {
    name: "a required field removed",
    mode: "FORWARD",
    history: [order()],
    next: order({ amount: undefined }, { required: ["id"] }),
    refusedWith: [
      "field 'amount': removed, was required (number)",
      "FORWARD forbids removing a required field, since events written with the new version would not validate under version 1",
    ],
    events: [{ id: "O-1001" }],
  },
  {
    name: "a required field removed",
    mode: "FULL",
    history: [order()],
    next: order({ amount: undefined }, { required: ["id"] }),
    refusedWith: ["FULL forbids removing a required field"],
    events: [{ id: "O-1001" }],
  },
  // Changing a type
  {
    name: "integer widened to number",
    mode: "BACKWARD",
    history: [order({ quantity: { type: "integer" } })],
    next: order({ quantity: { type: "number" } }),
    events: [event({ quantity: 3 })],
  },
  {
    name: "integer widened to number",
    mode: "FORWARD",
    history: [order({ quantity: { type: "integer" } })],
    next: order({ quantity: { type: "number" } }),
    refusedWith: ["field 'quantity': type changed from integer to number", "FORWARD forbids widening a type"],
    events: [event({ quantity: 2.5 })],
  },
  {
    name: "number narrowed to integer",
    mode: "BACKWARD",
    history: [order()],
    next: order({ amount: { type: "integer" } }),
    refusedWith: [
      "field 'amount': type changed from number to integer; BACKWARD forbids narrowing a type, since events written with version 1 would no longer validate.",
    ],
    events: [event({ amount: 12.5 })],
  },
  {
    name: "number narrowed to integer",
    mode: "FORWARD",
    history: [order()],
    next: order({ amount: { type: "integer" } }),
    events: [event({ amount: 12 })],
  },
  {
    name: "string changed to number",
    mode: "FULL",
    history: [order()],
    next: order({ id: { type: "number" } }),
    refusedWith: [
      "field 'id': type changed from string to number",
      "FULL forbids changing a type, since events written with version 1 would no longer validate and events written with the new version would not validate under version 1",
    ],
    events: [event(), event({ id: 1001 })],
  },
  {
    name: "a field made nullable with a type list",
    mode: "BACKWARD",
    history: [order()],
    next: order({ note: { type: ["string", "null"] } }),
    events: [event({ note: "gift" })],
  },
  {
    name: "a field made nullable with anyOf",
    mode: "FORWARD",
    history: [order()],
    next: order({ note: { anyOf: [{ type: "string" }, { type: "null" }] } }),
    refusedWith: [
      "field 'note': type changed from string to string or null",
      "FORWARD forbids widening a type",
    ],
    events: [event({ note: null })],
  },
  {
    name: "a nullable anyOf rewritten as a type list",
    mode: "FULL",
    history: [order({ note: { anyOf: [{ type: "string", maxLength: 200 }, { type: "null" }] } })],
    next: order({ note: { type: ["string", "null"], maxLength: 200 } }),
    events: [event({ note: null }), event({ note: "gift" }), event({ note: "x".repeat(201) })],
  },
  {
    name: "null dropped from a nullable field",
    mode: "BACKWARD",
    history: [order({ note: { oneOf: [{ type: "string" }, { type: "null" }] } })],
    next: order(),
    refusedWith: [
      "field 'note': type changed from string or null to string",
      "BACKWARD forbids narrowing a type",
    ],
    events: [event({ note: null })],
  },
  // Requiring a field, or no longer
  {
    name: "an optional field made required",
    mode: "BACKWARD",
    history: [order()],
    next: order({}, { required: ["id", "amount", "status"] }),
    refusedWith: ["field 'status': became required", "BACKWARD forbids making a field required"],
    events: [event()],
  },
  {
    name: "an optional field made required",
    mode: "FORWARD",
    history: [order()],
    next: order({}, { required: ["id", "amount", "status"] }),
    events: [event({ status: "new" })],
  },
  {
    name: "a required field made optional",
    mode: "BACKWARD",
    history: [order()],
    next: order({}, { required: ["id"] }),
    events: [event()],
  },
  {
    name: "a required field made optional",
    mode: "FORWARD",
    history: [order()],
    next: order({}, { required: ["id"] }),
    refusedWith: [
      "field 'amount': is no longer required",
      "FORWARD forbids making a required field optional",
    ],
    events: [{ id: "O-1001" }],
  },
  {
    name: "a required field made optional",
    mode: "FULL",
    history: [order()],
    next: order({}, { required: ["id"] }),
    refusedWith: ["FULL forbids making a required field optional"],
  },
  // Enums and const
  {
    name: "an enum extended",
    mode: "BACKWARD",
    history: [order()],
    next: order({ status: { type: "string", enum: ["new", "paid", "refunded"] } }),
    events: [event({ status: "paid" })],
  },
  {
    name: "an enum extended",
    mode: "FORWARD",
    history: [order()],
    next: order({ status: { type: "string", enum: ["new", "paid", "refunded"] } }),
    refusedWith: ["field 'status': enum values added: \"refunded\"", "FORWARD forbids extending an enum"],
    events: [event({ status: "refunded" })],
  },
  {
    name: "an enum narrowed",
    mode: "BACKWARD",
    history: [order()],
    next: order({ status: { type: "string", enum: ["new"] } }),
    refusedWith: ["field 'status': enum values removed: \"paid\"", "BACKWARD forbids narrowing an enum"],
    events: [event({ status: "paid" })],
  },
  {
    name: "an enum extended",
    mode: "FULL",
    history: [order()],
    next: order({ status: { type: "string", enum: ["new", "paid", "refunded"] } }),
    refusedWith: ["FULL forbids extending an enum"],
  },
  {
    name: "a const opened into an enum holding it",
    mode: "BACKWARD",
    history: [order({ kind: { const: "order" } })],
    next: order({ kind: { enum: ["order", "refund"] } }),
    events: [event({ kind: "order" })],
  },
  {
    name: "a const changed",
    mode: "BACKWARD",
    history: [order({ kind: { const: "order" } })],
    next: order({ kind: { const: "sale" } }),
    refusedWith: [
      'field \'kind\': const changed from "order" to "sale"',
      "BACKWARD forbids changing an enum",
    ],
    events: [event({ kind: "order" })],
  },
  // Nested objects
  {
    name: "a nested field made required",
    mode: "BACKWARD",
    history: [order({ customer: customer({}) })],
    next: order({ customer: customer({}, { required: ["email", "name"] }) }),
    refusedWith: ["field 'customer.name': became required", "BACKWARD forbids making a field required"],
    events: [event({ customer: { email: "ada@example.com" } })],
  },
  {
    name: "a nested field retyped",
    mode: "BACKWARD",
    history: [order({ customer: customer({ tier: { type: "integer" } }) })],
    next: order({ customer: customer({ tier: { type: "string" } }) }),
    refusedWith: [
      "field 'customer.tier': type changed from integer to string",
      "BACKWARD forbids changing a type",
    ],
    events: [event({ customer: { email: "ada@example.com", tier: 2 } })],
  },
  {
    name: "a nested optional field added",
    mode: "FORWARD",
    history: [order({ customer: customer({}) })],
    next: order({ customer: customer({ phone: { type: "string" } }) }),
    events: [event({ customer: { email: "ada@example.com", phone: "+33 1 23 45 67 89" } })],
  },
  {
    name: "a nested format removed",
    mode: "BACKWARD",
    history: [order({ customer: customer({}) })],
    next: order({ customer: customer({ email: { type: "string" } }) }),
    events: [event({ customer: { email: "ada@example.com" } })],
  },
  {
    name: "a nested object closed to undeclared fields",
    mode: "BACKWARD",
    history: [order({ customer: customer({}) })],
    next: order({ customer: customer({}, { additionalProperties: false }) }),
    refusedWith: ["field 'customer': additionalProperties changed from true to false"],
    events: [event({ customer: { email: "ada@example.com", vip: true } })],
  },
  // Array items
  {
    name: "an item field widened",
    mode: "BACKWARD",
    history: [order({ lines: lines({}) })],
    next: order({ lines: lines({ qty: { type: "number", minimum: 1 } }) }),
    events: [event({ lines: [{ sku: "A-1", qty: 2 }] })],
  },
  {
    name: "an item field widened",
    mode: "FORWARD",
    history: [order({ lines: lines({}) })],
    next: order({ lines: lines({ qty: { type: "number", minimum: 1 } }) }),
    refusedWith: [
      "field 'lines[].qty': type changed from integer to number",
      "FORWARD forbids widening a type",
    ],
    events: [event({ lines: [{ sku: "A-1", qty: 1.5 }] })],
  },
  {
    name: "an item field made required",
    mode: "BACKWARD",
    history: [order({ lines: lines({}) })],
    next: order({ lines: lines({}, ["sku", "qty"]) }),
    refusedWith: ["field 'lines[].qty': became required"],
    events: [event({ lines: [{ sku: "A-1" }] })],
  },
  {
    name: "a bound added to string items",
    mode: "BACKWARD",
    history: [order({ tags: { type: "array", items: { type: "string" } } })],
    next: order({ tags: { type: "array", items: { type: "string", maxLength: 20 } } }),
    refusedWith: ["field 'tags[]': maxLength 20 added", "BACKWARD forbids adding 'maxLength'"],
    events: [event({ tags: ["x".repeat(21)] })],
  },
  // Closing and opening objects
  {
    name: "an open object closed",
    mode: "BACKWARD",
    history: [order()],
    next: closedOrder(),
    refusedWith: [
      "the event: additionalProperties changed from true to false (undeclared fields are now refused)",
      "BACKWARD forbids closing an object to undeclared fields",
    ],
    events: [event({ channel: "web" })],
  },
  {
    name: "an open object closed",
    mode: "FORWARD",
    history: [order()],
    next: closedOrder(),
    events: [event()],
  },
  {
    name: "a closed object opened",
    mode: "BACKWARD",
    history: [closedOrder()],
    next: order(),
    events: [event()],
  },
  {
    name: "a closed object opened",
    mode: "FORWARD",
    history: [closedOrder()],
    next: order(),
    refusedWith: ["FORWARD forbids opening an object to undeclared fields"],
    events: [event({ channel: "web" })],
  },
  // Numeric and string bounds
  {
    name: "a maximum raised",
    mode: "BACKWARD",
    history: [order({ amount: { type: "number", maximum: 1000 } })],
    next: order({ amount: { type: "number", maximum: 10000 } }),
    events: [event({ amount: 999 })],
  },
  {
    name: "a maximum lowered",
    mode: "BACKWARD",
    history: [order({ amount: { type: "number", maximum: 1000 } })],
    next: order({ amount: { type: "number", maximum: 100 } }),
    refusedWith: [
      "field 'amount': maximum lowered from 1000 to 100",
      "BACKWARD forbids tightening 'maximum'",
    ],
    events: [event({ amount: 500 })],
  },
  {
    name: "a maximum raised",
    mode: "FORWARD",
    history: [order({ amount: { type: "number", maximum: 1000 } })],
    next: order({ amount: { type: "number", maximum: 10000 } }),
    refusedWith: ["field 'amount': maximum raised from 1000 to 10000", "FORWARD forbids relaxing 'maximum'"],
    events: [event({ amount: 5000 })],
  },
  {
    name: "a minimum lowered",
    mode: "BACKWARD",
    history: [order({ amount: { type: "number", minimum: 0 } })],
    next: order({ amount: { type: "number", minimum: -1000 } }),
    events: [event({ amount: 0 })],
  },
  {
    name: "a minLength raised",
    mode: "BACKWARD",
    history: [order({ id: { type: "string", minLength: 1 } })],
    next: order({ id: { type: "string", minLength: 8 } }),
    refusedWith: ["field 'id': minLength raised from 1 to 8", "BACKWARD forbids tightening 'minLength'"],
    events: [event({ id: "O-1" })],
  },
  {
    name: "a maxLength removed",
    mode: "BACKWARD",
    history: [order({ id: { type: "string", maxLength: 10 } })],
    next: order(),
    events: [event({ id: "O-1001" })],
  },
  {
    name: "a maxLength removed",
    mode: "FORWARD",
    history: [order({ id: { type: "string", maxLength: 10 } })],
    next: order(),
    refusedWith: ["field 'id': maxLength 10 removed", "FORWARD forbids removing 'maxLength'"],
    events: [event({ id: "O-10000000001" })],
  },
  {
    name: "a multipleOf divided (every multiple of 10 is one of 5)",
    mode: "BACKWARD",
    history: [order({ quantity: { type: "integer", multipleOf: 10 } })],
    next: order({ quantity: { type: "integer", multipleOf: 5 } }),
    events: [event({ quantity: 20 })],
  },
  {
    name: "a multipleOf divided",
    mode: "FORWARD",
    history: [order({ quantity: { type: "integer", multipleOf: 10 } })],
    next: order({ quantity: { type: "integer", multipleOf: 5 } }),
    refusedWith: [
      "field 'quantity': multipleOf changed from 10 to 5",
      "FORWARD forbids relaxing 'multipleOf'",
    ],
    events: [event({ quantity: 15 })],
  },
  {
    name: "a minItems raised",
    mode: "BACKWARD",
    history: [order({ lines: lines({}) })],
    next: order({ lines: { ...(lines({}) as object), minItems: 1 } }),
    refusedWith: ["field 'lines': minItems 1 added", "BACKWARD forbids adding 'minItems'"],
    events: [event({ lines: [] })],
  },
  // Formats
  {
    name: "a format added",
    mode: "BACKWARD",
    history: [order({ placedAt: { type: "string" } })],
    next: order({ placedAt: { type: "string", format: "date-time" } }),
    refusedWith: ["field 'placedAt': format \"date-time\" added", "BACKWARD forbids adding a format"],
    events: [event({ placedAt: "yesterday" })],
  },
  {
    name: "a format removed",
    mode: "BACKWARD",
    history: [order({ placedAt: { type: "string", format: "date-time" } })],
    next: order({ placedAt: { type: "string" } }),
    events: [event({ placedAt: "2024-05-01T10:00:00Z" })],
  },
  {
    name: "a format removed",
    mode: "FORWARD",
    history: [order({ placedAt: { type: "string", format: "date-time" } })],
    next: order({ placedAt: { type: "string" } }),
    refusedWith: ["FORWARD forbids removing a format"],
    events: [event({ placedAt: "yesterday" })],
  },
  {
    name: "a format changed",
    mode: "BACKWARD",
    history: [order({ placedAt: { type: "string", format: "date-time" } })],
    next: order({ placedAt: { type: "string", format: "date" } }),
    refusedWith: [
      'field \'placedAt\': format changed from "date-time" to "date"',
      "BACKWARD forbids changing a format",
    ],
    events: [event({ placedAt: "2024-05-01T10:00:00Z" })],
  },
  // Patterns
  {
    name: "a pattern removed",
    mode: "BACKWARD",
    history: [order({ id: { type: "string", pattern: "^O-\\d+$" } })],
    next: order(),
    events: [event({ id: "O-1001" })],
  },
  {
    name: "a pattern removed",
    mode: "FORWARD",
    history: [order({ id: { type: "string", pattern: "^O-\\d+$" } })],
    next: order(),
    refusedWith: ["field 'id': pattern \"^O-\\\\d+$\" removed", "FORWARD forbids removing a pattern"],
    events: [event({ id: "legacy-7" })],
  },
  {
    name: "a pattern changed",
    mode: "BACKWARD",
    history: [order({ id: { type: "string", pattern: "^O-\\d+$" } })],
    next: order({ id: { type: "string", pattern: "^ORD-\\d+$" } }),
    refusedWith: ["field 'id': pattern changed from", "BACKWARD forbids changing a pattern"],
    events: [event({ id: "O-1001" })],
  },
  {
    // Patterns are not compared as languages: a looser one is still a change (no events: AJV agrees
    // here, the rule is deliberately conservative).
    name: "a pattern loosened",
    mode: "BACKWARD",
    history: [order({ id: { type: "string", pattern: "^O-\\d{4}$" } })],
    next: order({ id: { type: "string", pattern: "^O-\\d+$" } }),
    refusedWith: ["BACKWARD forbids changing a pattern"],
  },
  // Transitive modes: v2 narrowed amount under NONE; the next version only adds to v2.
  {
    name: "a change that only an earlier version refuses",
    mode: "BACKWARD",
    history: [order(), order({ amount: { type: "integer" } })],
    next: order({ amount: { type: "integer" }, coupon: { type: "string" } }),
    events: [event({ amount: 12.5 })],
  },
  {
    name: "a change that only an earlier version refuses",
    mode: "BACKWARD_TRANSITIVE",
    history: [order(), order({ amount: { type: "integer" } })],
    next: order({ amount: { type: "integer" }, coupon: { type: "string" } }),
    refusedWith: [
      "field 'amount': type changed from number to integer",
      "BACKWARD_TRANSITIVE forbids narrowing a type, since events written with version 1 would no longer validate",
    ],
    events: [event({ amount: 12.5 })],
  },
  {
    name: "a change that only an earlier version refuses",
    mode: "FORWARD",
    history: [order(), order({ status: { type: "string", enum: ["new", "paid", "refunded"] } })],
    next: order({
      status: { type: "string", enum: ["new", "paid", "refunded"] },
      coupon: { type: "string" },
    }),
    events: [event({ status: "refunded" })],
  },
  {
    name: "a change that only an earlier version refuses",
    mode: "FORWARD_TRANSITIVE",
    history: [order(), order({ status: { type: "string", enum: ["new", "paid", "refunded"] } })],
    next: order({
      status: { type: "string", enum: ["new", "paid", "refunded"] },
      coupon: { type: "string" },
    }),
    refusedWith: [
      "field 'status': enum values added: \"refunded\"",
      "FORWARD_TRANSITIVE forbids extending an enum, since events written with the new version would not validate under version 1",
    ],
    events: [event({ status: "refunded" })],
  },
  {
    name: "a change that only an earlier version refuses",
    mode: "FULL",
    history: [
      order({ note: { type: "string", maxLength: 100 } }),
      order({ note: { type: "string", maxLength: 200 } }),
    ],
    next: order({ note: { type: "string", maxLength: 200 }, coupon: { type: "string" } }),
    events: [event({ note: "x".repeat(150) })],
  },
  {
    name: "a change that only an earlier version refuses",
    mode: "FULL_TRANSITIVE",
    history: [
      order({ note: { type: "string", maxLength: 100 } }),
      order({ note: { type: "string", maxLength: 200 } }),
    ],
    next: order({ note: { type: "string", maxLength: 200 }, coupon: { type: "string" } }),
    refusedWith: [
      "field 'note': maxLength raised from 100 to 200",
      "FULL_TRANSITIVE forbids relaxing 'maxLength'",
      "would not validate under version 1",
    ],
    events: [event({ note: "x".repeat(150) })],
  },
  // NONE
  {
    name: "a type changed and a field required at once",
    mode: "NONE",
    history: [order()],
    next: order({ amount: { type: "string" } }, { required: ["id", "amount", "status"] }),
    events: [event(), event({ amount: "12.50", status: "new" })],
  },
  {
    name: "an object closed and an enum narrowed",
    mode: "NONE",
    history: [order()],
    next: closedOrder({ status: { type: "string", enum: ["new"] } }),
  },
];

const validators = new Map<string, EventValidator>();

/** Whether the ingest validator (AJV 2020 with formats) accepts the event under the schema. */
function validUnder(schema: JsonSchema, payload: unknown): boolean {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    validate = validatorFor(`schema-compatibility-test-${validators.size}`, schema);
    validators.set(key, validate);
  }
  return validate(payload) === undefined;
}

/** The events that show a break the mode forbids: valid under one compared version, refused by the other. */
function breakingEvents({ mode, history, next, events = [] }: EvolutionCase): unknown[] {
  const backward = mode.startsWith("BACKWARD") || mode.startsWith("FULL");
  const forward = mode.startsWith("FORWARD") || mode.startsWith("FULL");
  const compared = mode.endsWith("_TRANSITIVE") ? history : history.slice(-1);
  return events.filter((e) =>
    compared.some((earlier) => {
      const before = validUnder(earlier, e);
      const after = validUnder(next, e);
      return (backward && before && !after) || (forward && after && !before);
    }),
  );
}

describe("schema compatibility", () => {
  it("has at least forty evolution cases across every mode", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const modes = new Set(cases.map((c) => c.mode));
    const all = "BACKWARD BACKWARD_TRANSITIVE FORWARD FORWARD_TRANSITIVE FULL FULL_TRANSITIVE NONE".split(
      " ",
    );
    expect([...modes].sort()).toEqual(all.sort());
  });

  it.each(cases)("$mode: $name", (c) => {
    const result = checkCompatibility(c.history, c.next, c.mode);
    if (c.refusedWith === undefined) {
      expect(result, compatibilityMessage(result)).toEqual({ compatible: true });
    } else {
      expect(result.compatible).toBe(false);
      const message = compatibilityMessage(result);
      for (const part of c.refusedWith) expect(message).toContain(part);
    }
  });

  it.each(cases.filter((c) => c.events))("$mode: $name — the validator agrees on sample events", (c) => {
    const breaking = breakingEvents(c);
    if (c.refusedWith === undefined) expect(breaking).toEqual([]);
    else expect(breaking.length).toBeGreaterThan(0);
  });

  it("names the field by JSON pointer and dotted path, the rule and the version", () => {
    const result = checkCompatibility(
      [order({ lines: lines({}) })],
      order({ lines: lines({ qty: { type: "integer", minimum: 2 } }) }),
    );
    expect(result).toEqual({
      compatible: false,
      problems: [
        {
          path: "/lines/*/qty",
          field: "lines[].qty",
          change: "minimum raised from 1 to 2",
          rule: "BACKWARD: events valid under version 1 must stay valid",
          version: 1,
          reason:
            "BACKWARD forbids tightening 'minimum', since events written with version 1 would no longer validate",
        },
      ],
    });
  });

  it("escapes field names in the JSON pointer", () => {
    const result = checkCompatibility([{ properties: { "a/b": { type: "number" } } }], {
      properties: { "a/b": { type: "integer" } },
    });
    expect(!result.compatible && result.problems.map((p) => [p.path, p.field])).toEqual([["/a~1b", "a/b"]]);
  });

  it("lists every problem, one sentence a line, in the order of the schema", () => {
    const result = checkCompatibility(
      [order()],
      order(
        { amount: { type: "integer" }, status: { type: "string", enum: ["new"] } },
        { required: ["id", "amount", "note"] },
      ),
    );
    expect(compatibilityMessage(result).split("\n")).toEqual([
      "field 'amount': type changed from number to integer; BACKWARD forbids narrowing a type, since events written with version 1 would no longer validate.",
      "field 'status': enum values removed: \"paid\"; BACKWARD forbids narrowing an enum, since events written with version 1 would no longer validate.",
      "field 'note': became required; BACKWARD forbids making a field required, since events written with version 1 would no longer validate.",
    ]);
  });

  it("reports a change once for each earlier version a transitive mode finds it breaks", () => {
    const narrowed = checkCompatibility(
      [order(), order({ coupon: { type: "string" } })],
      order({ amount: { type: "integer" }, coupon: { type: "string" } }),
      "BACKWARD_TRANSITIVE",
    );
    expect(!narrowed.compatible && narrowed.problems.map((p) => [p.field, p.version])).toEqual([
      ["amount", 1],
      ["amount", 2],
    ]);
  });

  it("judges against the latest version by default mode BACKWARD, and any first version is compatible", () => {
    expect(checkCompatibility([], order({ amount: { type: "string" } }))).toEqual({ compatible: true });
    const result = checkCompatibility(
      [order({ amount: { type: "string" } }), order()],
      order({ amount: { type: "integer" } }),
    );
    expect(!result.compatible && result.problems.map((p) => p.rule)).toEqual([
      "BACKWARD: events valid under version 2 must stay valid",
    ]);
    expect(compatibilityMessage({ compatible: true })).toBe("compatible");
  });

  it("keeps an optional field outside the table: compatible although AJV would refuse an old event using it", () => {
    const before = order();
    const after = order({ coupon: { type: "string" } });
    const oldEvent = event({ coupon: 15 });
    expect(validUnder(before, oldEvent)).toBe(true);
    expect(validUnder(after, oldEvent)).toBe(false);
    expect(checkCompatibility([before], after, "BACKWARD_TRANSITIVE")).toEqual({ compatible: true });
    expect(checkCompatibility([after], before, "FULL_TRANSITIVE")).toEqual({ compatible: true });
  });

  it("refuses a required field added with a default, since the validator does not fill defaults in", () => {
    const after = order(
      { currency: { type: "string", default: "EUR" } },
      { required: ["id", "amount", "currency"] },
    );
    expect(validUnder(after, event())).toBe(false);
    expect(compatibilityMessage(checkCompatibility([order()], after))).toContain(
      "BACKWARD forbids adding a required field",
    );
  });

  it("refuses keywords it does not read one by one as changes in both directions when they change", () => {
    const withNot = order({ id: { type: "string", not: { const: "" } } });
    expect(checkCompatibility([order()], withNot, "BACKWARD").compatible).toBe(false);
    expect(checkCompatibility([order()], withNot, "FORWARD").compatible).toBe(true);
    const message = compatibilityMessage(
      checkCompatibility([withNot], order({ id: { type: "string", not: { const: "-" } } }), "FORWARD"),
    );
    expect(message).toContain("field 'id': not changed from");
    expect(message).toContain("FORWARD forbids changing 'not'");
  });

  it("treats an anyOf branch added as widening and one removed as narrowing", () => {
    const card = { type: "object", properties: { card: { type: "string" } }, required: ["card"] };
    const iban = { type: "object", properties: { iban: { type: "string" } }, required: ["iban"] };
    const before = order({ payment: { anyOf: [card] } });
    const payBoth = order({ payment: { anyOf: [card, { type: "string" }] } });
    expect(checkCompatibility([before], payBoth, "BACKWARD")).toEqual({ compatible: true });
    const both = order({ payment: { anyOf: [card, iban] } });
    const onlyIban = order({ payment: { anyOf: [iban] } });
    const message = compatibilityMessage(checkCompatibility([both], onlyIban, "BACKWARD"));
    expect(message).toContain("field 'payment': anyOf branch");
    expect(message).toContain("BACKWARD forbids removing a branch from 'anyOf'");
  });

  it("throws SCHEMA_INCOMPATIBLE with the problems when asked to assert", () => {
    expect(() =>
      assertCompatible([order()], order({ amount: { type: "number", minimum: 0 } }), "FORWARD"),
    ).not.toThrow();
    try {
      assertCompatible([order()], order({ amount: { type: "integer" } }));
      expect.unreachable();
    } catch (err) {
      expect(isInletError(err) && err.code).toBe("SCHEMA_INCOMPATIBLE");
      expect((err as Error).message).toContain("field 'amount': type changed from number to integer");
      expect(isInletError(err) && err.details?.problems).toHaveLength(1);
    }
  });
});

/** One kind of change, and the verdict of each mode on it (in COMPATIBILITY_MODES order: ✓ compatible). */
interface MatrixRow {
  change: string;
  before: JsonSchema;
  after: JsonSchema;
  verdicts: string;
  /** What a refusal's message names: the field, the change and what the mode forbids. */
  field: string;
  changed: string;
  forbids: string;
}

const MATRIX: MatrixRow[] = [
  {
    change: "add a required field",
    before: order(),
    after: order({ currency: { type: "string" } }, { required: ["id", "amount", "currency"] }),
    verdicts: "✗✗✓✓✗✗✓",
    field: "field 'currency'",
    changed: "added, required (string)",
    forbids: "forbids adding a required field",
  },
  {
    change: "remove a required field",
    before: order(),
    after: order({ amount: undefined }, { required: ["id"] }),
    verdicts: "✓✓✗✗✗✗✓",
    field: "field 'amount'",
    changed: "removed, was required (number)",
    forbids: "forbids removing a required field",
  },
  {
    change: "retype: widen integer to number",
    before: order({ qty: { type: "integer" } }),
    after: order({ qty: { type: "number" } }),
    verdicts: "✓✓✗✗✗✗✓",
    field: "field 'qty'",
    changed: "type changed from integer to number",
    forbids: "forbids widening a type",
  },
  {
    change: "require an optional field",
    before: order(),
    after: order({}, { required: ["id", "amount", "note"] }),
    verdicts: "✗✗✓✓✗✗✓",
    field: "field 'note'",
    changed: "became required",
    forbids: "forbids making a field required",
  },
  {
    change: "extend an enum",
    before: order(),
    after: order({ status: { type: "string", enum: ["new", "paid", "refunded"] } }),
    verdicts: "✓✓✗✗✗✗✓",
    field: "field 'status'",
    changed: '"refunded"',
    forbids: "forbids extending an enum",
  },
  {
    change: "retype a nested field",
    before: order({ customer: customer({}) }),
    after: order({ customer: customer({ name: { type: "integer" } }) }),
    verdicts: "✗✗✗✗✗✗✓",
    field: "field 'customer.name'",
    changed: "type changed from string to integer",
    forbids: "forbids changing a type",
  },
  {
    change: "require a field of array items",
    before: order({ lines: lines({}) }),
    after: order({ lines: lines({}, ["sku", "qty"]) }),
    verdicts: "✗✗✓✓✗✗✓",
    field: "field 'lines[].qty'",
    changed: "became required",
    forbids: "forbids making a field required",
  },
  {
    change: "close an object to undeclared fields (additionalProperties)",
    before: order(),
    after: closedOrder(),
    verdicts: "✗✗✓✓✗✗✓",
    field: "the event",
    changed: "additionalProperties",
    forbids: "forbids closing an object to undeclared fields",
  },
];

const MODES: CompatibilityMode[] = [
  "BACKWARD",
  "BACKWARD_TRANSITIVE",
  "FORWARD",
  "FORWARD_TRANSITIVE",
  "FULL",
  "FULL_TRANSITIVE",
  "NONE",
];

const matrixCases = MATRIX.flatMap((row) =>
  MODES.map((mode, i) => ({ ...row, mode, compatible: [...row.verdicts][i] === "✓" })),
);

describe("schema compatibility: every mode × every kind of change", () => {
  it("covers eight kinds of change in all seven modes", () => {
    expect(matrixCases).toHaveLength(56);
    for (const row of MATRIX) expect([...row.verdicts]).toHaveLength(MODES.length);
  });

  it.each(matrixCases)("$mode: $change", (c) => {
    // A transitive mode is judged against two earlier versions, the older one first.
    const history = c.mode.endsWith("_TRANSITIVE") ? [c.before, c.before] : [c.before];
    const result = checkCompatibility(history, c.after, c.mode);
    const message = compatibilityMessage(result);
    if (c.compatible) {
      expect(message).toBe("compatible");
      return;
    }
    expect(result.compatible).toBe(false);
    for (const part of [`${c.field}:`, c.changed, `${c.mode} ${c.forbids}`]) expect(message).toContain(part);
    if (c.mode.endsWith("_TRANSITIVE")) expect(message).toContain("version 2");
  });
});
