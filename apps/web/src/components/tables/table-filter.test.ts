import { describe, expect, it } from "vitest";
import { matchesFilter } from "./table-filter";

describe("matchesFilter", () => {
  it("matches every word typed against the name and source, ignoring case", () => {
    expect(matchesFilter("", "curated.orders")).toBe(true);
    expect(matchesFilter("  ", "curated.orders")).toBe(true);
    expect(matchesFilter("ORD", "curated.orders", "orders")).toBe(true);
    expect(matchesFilter("curated shop", "curated.shop-orders", "shop-orders")).toBe(true);
    expect(matchesFilter("raw shop", "curated.shop-orders", "shop-orders")).toBe(false);
    expect(matchesFilter("clicks", "analytics.daily", null, undefined)).toBe(false);
  });
});
