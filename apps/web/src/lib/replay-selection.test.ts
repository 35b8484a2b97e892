// Selecting dead letters for a replay: ticking, a page at a time, all matching, and the API's selection.
import { describe, expect, it } from "vitest";
import {
  EMPTY_SELECTION,
  isSelected,
  pageState,
  replayFilter,
  replaySelection,
  selectAllMatching,
  selectedCount,
  toggleLetter,
  togglePage,
} from "./replay-selection";

describe("letter selection", () => {
  it("ticks and unticks one letter", () => {
    const one = toggleLetter(EMPTY_SELECTION, "a");
    expect(isSelected(one, "a")).toBe(true);
    expect(selectedCount(one)).toBe(1);
    expect(selectedCount(toggleLetter(one, "a"))).toBe(0);
  });

  it("selects a page, then clears it when all were ticked", () => {
    const some = toggleLetter(EMPTY_SELECTION, "b");
    expect(pageState(some, ["a", "b", "c"])).toBe("some");
    const page = togglePage(some, ["a", "b", "c"]);
    expect(pageState(page, ["a", "b", "c"])).toBe("all");
    expect(selectedCount(page)).toBe(3);
    expect(selectedCount(togglePage(page, ["a", "b", "c"]))).toBe(0);
    expect(pageState(EMPTY_SELECTION, [])).toBe("none");
  });

  it("selects all matching, and unticking one goes back to ids", () => {
    const all = selectAllMatching(1234);
    expect(selectedCount(all)).toBe(1234);
    expect(isSelected(all, "zzz")).toBe(true);
    const back = toggleLetter(all, "a");
    expect(back.kind).toBe("ids");
    expect(selectedCount(back)).toBe(1);
  });

  it("turns the selection into the API's", () => {
    const f = { status: "open", source: "orders", reasonCode: "SCHEMA_VIOLATION", path: "/amount" };
    expect(replaySelection(EMPTY_SELECTION, f)).toBeUndefined();
    expect(replaySelection(toggleLetter(EMPTY_SELECTION, "x"), f)).toEqual({ letterIds: ["x"] });
    expect(replaySelection(selectAllMatching(3), f)).toEqual({
      filter: { source: "orders", reasonCode: "SCHEMA_VIOLATION", path: "/amount" },
    });
  });

  it("refuses filters a replay cannot take", () => {
    expect(replayFilter({ status: "discarded" })).toEqual({ reason: "Only open letters can be replayed." });
    expect("reason" in replayFilter({ status: "open", search: "abc" })).toBe(true);
    expect("reason" in replayFilter({ status: "open", source: null })).toBe(true);
    expect(replaySelection(selectAllMatching(3), { status: "open", search: "x" })).toBeUndefined();
  });
});
