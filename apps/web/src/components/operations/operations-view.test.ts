import { describe, expect, it } from "vitest";
import { quantityText } from "./operations-view";

describe("the cost table's quantities", () => {
  it("counts requests in the singular and the plural", () => {
    expect(quantityText("put", 1)).toBe("1 request");
    expect(quantityText("get", 3)).toBe("3 requests");
    expect(quantityText("put", 1500)).toBe("1.5K requests");
  });
});
