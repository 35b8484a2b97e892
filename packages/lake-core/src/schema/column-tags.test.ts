import { describe, expect, it } from "vitest";
import { isInletError } from "../errors";
import { schemaColumnTags } from "./column-tags";
import { checkNewSchema } from "./new-schema";

const FIELDS = { idField: "id", timeField: "at" };

function schema(properties: Record<string, unknown>) {
  return {
    type: "object",
    properties: { id: { type: "string" }, at: { type: "string", format: "date-time" }, ...properties },
  };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isInletError(err)) {
      expect(err.details?.field).toBe("schema");
      return err.message;
    }
    throw err;
  }
  throw new Error("not refused");
}

describe("tags a schema gives its columns", () => {
  it("reads x-inlet-tags of top-level properties, in lower case, each once", () => {
    expect(
      schemaColumnTags(
        schema({
          email: { type: "string", "x-inlet-tags": ["PII", "email", " pii "] },
          card: { type: "string", "x-inlet-tags": ["card_number"] },
          note: { type: "string", "x-inlet-tags": [] },
          plain: { type: "string" },
        }),
      ),
    ).toEqual([
      { column: "email", tags: ["pii", "email"] },
      { column: "card", tags: ["card_number"] },
    ]);
    expect(schemaColumnTags(undefined)).toEqual([]);
    expect(schemaColumnTags({ type: "object" })).toEqual([]);
  });

  it("refuses tags that are not tag names, and tags on a property that is not a column", () => {
    expect(refusal(() => schemaColumnTags(schema({ email: { "x-inlet-tags": "pii" } })))).toMatch(
      /x-inlet-tags of property 'email': must be a list/,
    );
    expect(refusal(() => schemaColumnTags(schema({ email: { "x-inlet-tags": ["9lives"] } })))).toMatch(
      /"9lives" is not a tag name/,
    );
    expect(refusal(() => schemaColumnTags(schema({ email: { "x-inlet-tags": [42] } })))).toMatch(
      /42 is not a tag name/,
    );
    expect(refusal(() => schemaColumnTags(schema({ dt: { "x-inlet-tags": ["pii"] } })))).toMatch(
      /'dt': the property does not become a column/,
    );
    // checkNewSchema refuses them too, before anything is registered.
    expect(
      refusal(() =>
        checkNewSchema(schema({ email: { type: "string", "x-inlet-tags": ["no way"] } }), FIELDS),
      ),
    ).toMatch(/not a tag name/);
    expect(
      checkNewSchema(schema({ email: { type: "string", "x-inlet-tags": ["pii"] } }), FIELDS).map(
        (c) => c.name,
      ),
    ).toContain("email");
  });
});
