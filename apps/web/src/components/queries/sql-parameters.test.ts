import { describe, expect, it } from "vitest";
import {
  bindParameters,
  guessParameterType,
  parametersToSave,
  placeholderRanges,
  placeholdersIn,
  reconcileParameters,
} from "./sql-parameters";

describe("parameters detected in the SQL", () => {
  it("finds each {{name}} once in order, spaces allowed inside the braces", () => {
    expect(placeholdersIn("SELECT * FROM t WHERE d = {{day}} AND n > {{ min_n }} OR e = {{day}}")).toEqual([
      "day",
      "min_n",
    ]);
  });

  it("ignores string literals, quoted identifiers, comments and braces that are not a placeholder", () => {
    const sql =
      "SELECT '{{a}}', 'it''s {{b}}' AS \"{{c}}\", {'k': 1}, {{ 1x }} -- {{d}}\n/* {{e}} */ {{real}}";
    expect(placeholdersIn(sql)).toEqual(["real"]);
  });

  it("gives each placeholder's place in the text", () => {
    expect(placeholderRanges("x = {{ day }}")).toEqual([{ name: "day", from: 4, to: 13 }]);
  });

  it("keeps declared types for names still used, drops names no longer used, guesses new ones", () => {
    const declared = [
      { name: "day", type: "text" as const, default: "x" },
      { name: "gone", type: "number" as const },
    ];
    expect(reconcileParameters("SELECT {{limit}}, {{day}}", declared)).toEqual([
      { name: "limit", type: "number" },
      { name: "day", type: "text", default: "x" },
    ]);
  });

  it("guesses a type from the name", () => {
    expect(guessParameterType("day")).toBe("date");
    expect(guessParameterType("start_date")).toBe("date");
    expect(guessParameterType("min_amount")).toBe("number");
    expect(guessParameterType("customer_ids")).toBe("list");
    expect(guessParameterType("region")).toBe("text");
  });
});

describe("parameter values", () => {
  const parameters = [
    { name: "day", type: "date" as const },
    { name: "n", type: "number" as const },
    { name: "who", type: "text" as const },
    { name: "ids", type: "list" as const },
  ];

  it("binds typed values: dates checked, numbers parsed, lists split by line or comma", () => {
    expect(bindParameters(parameters, { day: "2024-05-02", n: " 42.5 ", who: "", ids: "a, b\nc\n" })).toEqual(
      {
        values: { day: "2024-05-02", n: 42.5, who: "", ids: ["a", "b", "c"] },
        problems: {},
      },
    );
  });

  it("says what is wrong with each value, by name", () => {
    const { problems } = bindParameters(parameters, { day: "2024-02-30", n: "ten", ids: " , " });
    expect(problems).toEqual({
      day: "day must be a date written YYYY-MM-DD",
      n: "n must be a number",
      ids: "Enter at least one value for ids",
    });
  });

  it("saves each valid value as the parameter's default", () => {
    expect(parametersToSave(parameters, { day: "2024-05-02", n: "x", who: "", ids: "1,2" })).toEqual([
      { name: "day", type: "date", default: "2024-05-02" },
      { name: "n", type: "number" },
      { name: "who", type: "text" },
      { name: "ids", type: "list", default: ["1", "2"] },
    ]);
  });
});
