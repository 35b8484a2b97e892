import { describe, expect, it } from "vitest";
import {
  createInput,
  defaultFields,
  INITIAL_VALUES,
  NO_TIME_FIELD,
  partitionCandidates,
  refusalByField,
  sampleKindOf,
  sampleSizeProblem,
  slugFromName,
  slugProblem,
  stepErrors,
  topLevelProperties,
  type WizardValues,
} from "./wizard-model";

const schema = {
  type: "object",
  properties: {
    order_id: { type: "string" },
    placed_at: { type: "string", format: "date-time" },
    region: { type: ["string", "null"] },
    paid: { type: "boolean" },
    amount: { type: "number" },
    lines: { type: "array" },
    dt: { type: "string" },
    "odd-name": { type: "string" },
  },
};

const filled: WizardValues = {
  ...INITIAL_VALUES,
  name: "Checkout orders",
  slug: "checkout-orders",
  schemaMode: "write",
  schemaText: JSON.stringify(schema),
  idField: "order_id",
  timeField: "placed_at",
};

describe("the new-source wizard's rules", () => {
  it("derives a slug from a name", () => {
    expect(slugFromName("Checkout Orders (EU)")).toBe("checkout-orders-eu");
    expect(slugFromName("  Café Ümlaut  ")).toBe("cafe-umlaut");
    expect(slugFromName("2024 sales")).toBe("sales");
    expect(slugFromName("x".repeat(80))).toHaveLength(63);
  });

  it("says what is wrong with a slug as typed", () => {
    expect(slugProblem("orders-eu")).toBeUndefined();
    expect(slugProblem("Orders_EU")).toBe("Use only a-z, 0-9 and -; remove 'O', '_', 'E', 'U'");
    expect(slugProblem("my orders")).toBe("Use only a-z, 0-9 and -; remove space");
    expect(slugProblem("1orders")).toBe("Start with a letter (a-z)");
    expect(slugProblem("o")).toBe("Use at least 2 characters");
    expect(slugProblem("new")).toMatch(/reserved/);
    expect(slugProblem("")).toMatch(/^Enter a slug/);
  });

  it("checks each step before moving on", () => {
    expect(stepErrors("details", filled, false)).toEqual({});
    expect(stepErrors("details", filled, true)).toEqual({
      slug: "A source with slug 'checkout-orders' exists already",
    });
    expect(stepErrors("details", { ...filled, name: " ", slug: "Bad" }, false)).toMatchObject({
      name: "Enter a name",
      slug: expect.stringMatching(/^Use only/),
    });
    expect(stepErrors("schema", { ...filled, schemaText: '{"type": "object",}' }, false)).toEqual({
      schema: "Fix the JSON first: line 1, column 19",
    });
    expect(stepErrors("schema", { ...filled, schemaText: "[]" }, false)).toEqual({
      schema: "The schema must be a JSON object",
    });
    expect(stepErrors("schema", { ...filled, schemaMode: "infer", schemaText: "" }, false)).toEqual({
      sample: "Infer a schema from a sample first, or choose another way",
    });
    expect(stepErrors("schema", { ...filled, schemaMode: "none", schemaText: "" }, false)).toEqual({});
    expect(
      stepErrors("fields", { ...filled, idField: "", retentionDays: "0", rawRetentionDays: "36500" }, false),
    ).toEqual({
      idField: "Choose the field that holds each event's id",
      retentionDays: "Keep data for at least 1 day",
      rawRetentionDays: "At most 3,650 days (10 years)",
    });
    expect(stepErrors("fields", { ...filled, retentionDays: "1.5" }, false)).toEqual({
      retentionDays: "Enter a whole number of days",
    });
  });

  it("offers only declared string, integer and boolean properties as the extra partition", () => {
    const names = partitionCandidates(topLevelProperties(schema), "order_id").map((p) => p.name);
    expect(names).toEqual(["region", "paid"]);
  });

  it("suggests id and time fields from the inference, else from names and formats", () => {
    expect(defaultFields(schema, { idField: "order_id", timeField: "placed_at" })).toEqual({
      idField: "order_id",
      timeField: "placed_at",
    });
    expect(defaultFields({ properties: { event_id: {}, timestamp: {}, id: {} } }, undefined)).toEqual({
      idField: "event_id",
      timeField: "timestamp",
    });
    expect(defaultFields(schema, undefined)).toEqual({ idField: "order_id", timeField: "placed_at" });
    expect(defaultFields({ properties: { amount: { type: "number" } } }, undefined)).toEqual({
      idField: "",
      timeField: "",
    });
    expect(defaultFields(undefined, undefined)).toEqual({ idField: "id", timeField: "time" });
  });

  it("makes the sources.create input, without a partition or schema for a schemaless source", () => {
    expect(createInput({ ...filled, partitionProperty: "region", retentionDays: "90" })).toMatchObject({
      slug: "checkout-orders",
      schema,
      partitionProperty: "region",
      retentionDays: 90,
      rawRetentionDays: 30,
      compatibility: "backward",
    });
    expect(createInput({ ...filled, schemaMode: "none", partitionProperty: "region" })).toMatchObject({
      schema: null,
      partitionProperty: null,
    });
  });

  it("puts each of the API's refusals at its field and goes to the first step holding one", () => {
    const refusal = refusalByField(
      { retentionDays: "must be at least 1 day", slug: "A source with slug 'x' exists already" },
      "Invalid input",
    );
    expect(refusal).toEqual({
      fields: { retentionDays: "must be at least 1 day", slug: "A source with slug 'x' exists already" },
      step: "details",
      general: undefined,
    });
    expect(refusalByField({}, "The Inlet API could not be reached.")).toEqual({
      fields: {},
      step: undefined,
      general: "The Inlet API could not be reached.",
    });
  });

  it("refuses a sample over 5 MB before it is sent, naming the limit", () => {
    expect(sampleSizeProblem(5 * 1024 * 1024)).toBeUndefined();
    expect(sampleSizeProblem(50 * 1024 * 1024, "events.ndjson")).toBe(
      "events.ndjson is 50 MB; a sample may be at most 5 MB (5,242,880 bytes). Use its first rows.",
    );
    expect(sampleKindOf("a.JSONL")).toBe("ndjson");
    expect(sampleKindOf("a.csv")).toBe("csv");
    expect(sampleKindOf("a.txt")).toBeUndefined();
  });
});

describe("the details step", () => {
  it("refuses a name or description longer than the API takes, saying how long it is", () => {
    const values = { ...INITIAL_VALUES, name: "x".repeat(150), slug: "long-name", description: "" };
    expect(stepErrors("details", values, false).name).toBe("Keep the name to 100 characters (it has 150)");
    const described = { ...values, name: "ok", description: "d".repeat(2001) };
    expect(stepErrors("details", described, false)).toEqual({
      description: "Keep the description to 2000 characters (it has 2001)",
    });
  });
});

describe("an event-time field of none", () => {
  it("is sent as null: each event is stored at the time it is received", () => {
    const values = { ...INITIAL_VALUES, name: "n", slug: "n", idField: "id", timeField: NO_TIME_FIELD };
    expect(stepErrors("fields", values, false).timeField).toBeUndefined();
    expect(createInput(values).timeField).toBeNull();
  });
});
