import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { fieldIssues } from "./trpc-errors";

function refusal(data: unknown) {
  const error = new TRPCClientError<never>("Invalid input");
  Object.assign(error, { data });
  return error;
}

describe("fieldIssues", () => {
  it("keeps the first message per field of a refusal", () => {
    const error = refusal({
      code: "BAD_REQUEST",
      issues: [
        { path: "slug", message: "must start with a letter" },
        { path: "retentionDays", message: "must be at least 1 day" },
        { path: "slug", message: "is taken" },
      ],
    });
    expect(fieldIssues(error)).toEqual({
      slug: "must start with a letter",
      retentionDays: "must be at least 1 day",
    });
  });

  it("is empty for errors without issues", () => {
    expect(fieldIssues(refusal({ code: "FORBIDDEN" }))).toEqual({});
    expect(fieldIssues(new Error("offline"))).toEqual({});
    expect(fieldIssues(null)).toEqual({});
  });
});
