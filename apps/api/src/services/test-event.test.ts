import { describe, expect, it } from "vitest";
import { type TestEventDeps, TestEventService } from "./test-event";

describe("TestEventService.example", () => {
  it("lists the event's fields in the table's column order, not the stored schema's (jsonb) key order", async () => {
    // As the catalog gives a schema back from jsonb: properties sorted by key length.
    const jsonSchema = {
      type: "object",
      properties: { ms: { type: "number" }, page: { type: "string" }, click_id: { type: "string" } },
    };
    const catalog = {
      findSourceBySlug: async () => ({
        slug: "clicks",
        jsonSchema,
        idField: "click_id",
        timeField: "",
        columnOrder: ["click_id", "page", "ms"],
      }),
    };
    const service = new TestEventService({ catalog } as unknown as TestEventDeps);
    const { event } = await service.example("clicks");
    expect(Object.keys(event)).toEqual(["click_id", "page", "ms"]);
  });
});
