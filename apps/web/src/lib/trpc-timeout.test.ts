import { describe, expect, it } from "vitest";
import { requestTimeoutFor } from "./trpc";

describe("requestTimeoutFor", () => {
  it("waits longer for a query run or an analytics refresh than for other calls", () => {
    expect(requestTimeoutFor("/api/trpc/queries.run?batch=1")).toBe(11 * 60_000);
    expect(requestTimeoutFor("/api/trpc/tables.list,analytics.refresh?batch=1")).toBe(11 * 60_000);
    expect(requestTimeoutFor("/api/trpc/queries.estimate?batch=1")).toBe(30_000);
    expect(requestTimeoutFor("/api/trpc/sources.list?batch=1")).toBe(30_000);
  });
});
