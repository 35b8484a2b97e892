import { isInletError } from "@inlet/lake-core";
import { describe, expect, it } from "vitest";
import { checkParameters, type DeclaredParameter } from "./saved-query-parameters";

function refusal(sql: string, parameters: DeclaredParameter[]) {
  try {
    checkParameters(sql, parameters);
  } catch (err) {
    if (isInletError(err)) return { field: err.details?.field, message: err.message };
    throw err;
  }
  return undefined;
}

describe("declared parameters match the SQL", () => {
  it("accepts an exact match with defaults of the right types", () => {
    expect(
      refusal("SELECT {{d}}, {{n}}, {{t}}, {{l}}", [
        { name: "d", type: "date", default: "2024-02-29" },
        { name: "n", type: "number", default: 3 },
        { name: "t", type: "text", default: "x" },
        { name: "l", type: "list", default: ["a", "b"] },
      ]),
    ).toBeUndefined();
  });

  it("counts only placeholders where they are code, not in literals or comments", () => {
    expect(
      refusal("SELECT '{{a}}' -- {{b}}\n/* {{c}} */ FROM t WHERE d = {{ day }}", [
        { name: "day", type: "date" },
      ]),
    ).toBeUndefined();
  });

  it("names a placeholder nobody declared", () => {
    expect(refusal("SELECT {{day}}, {{region}}", [{ name: "day", type: "date" }])).toEqual({
      field: "parameters",
      message: expect.stringContaining("{{region}}"),
    });
  });

  it("names a declared parameter the SQL never uses", () => {
    expect(
      refusal("SELECT {{day}}", [
        { name: "day", type: "date" },
        { name: "region", type: "text" },
      ]),
    ).toEqual({
      field: "parameters.1.name",
      message: "Parameter 'region' is declared but the SQL never uses {{region}}",
    });
  });

  it("refuses a name declared twice and a default of the wrong type", () => {
    expect(
      refusal("SELECT {{day}}", [
        { name: "day", type: "date" },
        { name: "day", type: "text" },
      ]),
    ).toMatchObject({ field: "parameters.1.name" });
    expect(refusal("SELECT {{day}}", [{ name: "day", type: "date", default: "2023-02-30" }])).toMatchObject({
      field: "parameters.0.default",
      message: expect.stringContaining("YYYY-MM-DD"),
    });
    expect(refusal("SELECT {{n}}", [{ name: "n", type: "number", default: "3" }])).toMatchObject({
      field: "parameters.0.default",
    });
  });
});
