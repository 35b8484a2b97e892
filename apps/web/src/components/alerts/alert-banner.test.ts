import { describe, expect, it } from "vitest";
import { acknowledgedText } from "./alert-banner";

describe("the firing alerts banner", () => {
  it("says an acknowledged alert is acknowledged rather than '0 not acknowledged'", () => {
    expect(acknowledgedText(1, 0)).toBe("acknowledged");
    expect(acknowledgedText(3, 0)).toBe("all acknowledged");
    expect(acknowledgedText(3, 2)).toBe("2 not acknowledged");
  });
});
