import { describe, expect, it } from "vitest";
import { diffLines } from "./line-diff";

describe("a line diff", () => {
  it("keeps common lines and shows a changed line as removed then added, with line numbers", () => {
    expect(diffLines("SELECT a\nFROM t\nWHERE x = 1", "SELECT a\nFROM t\nWHERE x = 2\nLIMIT 5")).toEqual([
      { kind: "same", text: "SELECT a", fromLine: 1, toLine: 1 },
      { kind: "same", text: "FROM t", fromLine: 2, toLine: 2 },
      { kind: "removed", text: "WHERE x = 1", fromLine: 3 },
      { kind: "added", text: "WHERE x = 2", toLine: 3 },
      { kind: "added", text: "LIMIT 5", toLine: 4 },
    ]);
  });

  it("matches lines that moved around an insertion", () => {
    const out = diffLines("a\nb\nc\nd", "a\nx\nb\nd\ne");
    expect(out.map((l) => `${l.kind[0]}${l.text}`)).toEqual(["sa", "ax", "sb", "rc", "sd", "ae"]);
  });

  it("shows identical texts as all kept", () => {
    expect(diffLines("x\ny", "x\ny").every((l) => l.kind === "same")).toBe(true);
  });
});
