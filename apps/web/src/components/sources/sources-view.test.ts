import { describe, expect, it } from "vitest";
import { deletedSourceNotice } from "./sources-view";

describe("the Sources list after a deletion", () => {
  it("says which source was deleted and what became of its data", () => {
    expect(deletedSourceNotice(new URLSearchParams("deleted=clicks&data=keep"))).toBe(
      "Source clicks deleted. Its API keys are refused; curated.clicks stays, read-only, with its dead letters.",
    );
    expect(deletedSourceNotice(new URLSearchParams("deleted=clicks&data=purge"))).toBe(
      "Source clicks deleted and its data purged. Its API keys are refused.",
    );
  });

  it("says nothing when no source was deleted", () => {
    expect(deletedSourceNotice(new URLSearchParams(""))).toBeUndefined();
  });
});
