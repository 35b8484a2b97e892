import { describe, expect, it } from "vitest";
import { homePathFor } from "./home-path";

describe("homePathFor", () => {
  it("sends on-call staff to the operations dashboard", () => {
    expect(homePathFor(["oncall"])).toBe("/operations");
    expect(homePathFor(["oncall", "analyst"])).toBe("/operations");
  });

  it("keeps the overview for everyone else, on-call engineers and admins included", () => {
    expect(homePathFor([])).toBe("/");
    expect(homePathFor(["analyst"])).toBe("/");
    expect(homePathFor(["governance"])).toBe("/");
    expect(homePathFor(["oncall", "engineer"])).toBe("/");
    expect(homePathFor(["admin", "oncall"])).toBe("/");
  });
});
