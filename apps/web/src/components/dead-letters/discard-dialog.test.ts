import { describe, expect, it } from "vitest";
import { discardedNotice } from "./discard-dialog";

describe("discarding dead letters", () => {
  it("says how many letters were discarded", () => {
    expect(discardedNotice(1)).toBe("1 letter discarded.");
    expect(discardedNotice(1200)).toBe("1,200 letters discarded.");
  });
});
