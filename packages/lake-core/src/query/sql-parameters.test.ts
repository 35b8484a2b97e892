import { describe, expect, it } from "vitest";
import { namedToPositional } from "../adapters/sql-text";
import { InletError } from "../errors";
import { bindParameters, findPlaceholders, parameterNames } from "./sql-parameters";

function refusal(run: () => unknown): InletError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InletError);
    return err as InletError;
  }
  throw new Error("not refused");
}

describe("{{name}} parameters", () => {
  it("finds placeholders in code only, not in literals, quoted names or comments", () => {
    const sql = `SELECT '{{a}}', "{{b}}", E'it\\'s {{c}}', $$ {{d}} $$ -- {{e}}
      /* {{f}} /* nested {{g}} */ */ FROM t WHERE x = {{ day }} AND y IN {{ids}} AND z = {{day}}`;
    expect(parameterNames(sql)).toEqual(["day", "ids"]);
    expect(
      findPlaceholders(sql)
        .filter((p) => p.quoted)
        .map((p) => p.name),
    ).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
  });

  it("binds each as a typed $name parameter, keeping every line and column in place", () => {
    const sql =
      "SELECT *\nFROM curated.orders\nWHERE dt = {{ day }} AND amount > {{min}} AND id IN {{ids}}\n  AND note = {{note}}";
    const bound = bindParameters(sql, {
      day: { type: "date", value: "2026-01-02" },
      min: { type: "number", value: "12.5" },
      ids: { type: "list", value: [3, 1] },
      note: { value: "x" },
    });
    expect(bound.sql).toBe(
      "SELECT *\nFROM curated.orders\nWHERE dt = $day      AND amount > $min    AND id IN $ids   \n  AND note = $note   ",
    );
    expect(bound.sql.length).toBe(sql.length);
    expect(bound.params).toEqual({
      day: { type: "date", value: "2026-01-02" },
      min: { type: "number", value: 12.5 },
      ids: { type: "list", items: "number", value: [3, 1] },
      note: { type: "text", value: "x" },
    });
    expect(bound.values).toEqual({ day: "2026-01-02", min: 12.5, ids: [3, 1], note: "x" });
  });

  it("keeps a value with quotes or SQL in it as data: the SQL text never holds it", () => {
    const evil = "x'; DROP TABLE curated.orders; --";
    const bound = bindParameters("SELECT {{v}} AS v", { v: { type: "text", value: evil } });
    expect(bound.sql).not.toContain(evil);
    expect(bound.sql).not.toContain("DROP");
    expect(bound.params.v).toEqual({ type: "text", value: evil });
  });

  it.each([
    [
      { day: { type: "date" as const, value: "tomorrow" } },
      "day",
      /{{day}} must be a date written YYYY-MM-DD, got 'tomorrow'/,
    ],
    [{ day: { type: "date" as const, value: "2026-02-30" } }, "day", /must be a date/],
    [{ day: { type: "number" as const, value: "ten" } }, "day", /{{day}} must be a number, got 'ten'/],
    [{ day: { type: "text" as const, value: 5 } }, "day", /{{day}} must be text, got 5/],
    [{ day: { type: "list" as const, value: "a,b" } }, "day", /{{day}} must be a list of one or more values/],
    [
      { day: { type: "list" as const, value: [{}] } },
      "day",
      /must be a list of text or numbers, got an object/,
    ],
    [{}, "day", /{{day}} has no value/],
  ])("refuses a wrong or missing value, naming the parameter (%o)", (params, name, message) => {
    const err = refusal(() => bindParameters("SELECT {{day}}", params));
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(message);
    expect(err.details).toMatchObject({ field: `params.${name}`, parameter: name });
  });

  it("refuses a placeholder inside a string, where it could only be spliced", () => {
    const err = refusal(() =>
      bindParameters("SELECT * FROM t WHERE name LIKE '%{{q}}%'", { q: { value: "a" } }),
    );
    expect(err.message).toMatch(/{{q}} is inside a quoted string.*'%' \|\| {{q}} \|\| '%'/);
    expect(err.details?.field).toBe("params.q");
  });

  it("refuses two names that differ only in case", () => {
    const err = refusal(() =>
      bindParameters("SELECT {{Day}}, {{day}}", { Day: { value: "a" }, day: { value: "b" } }),
    );
    expect(err.message).toMatch(/{{Day}} and {{day}} differ only in case/);
  });

  it("leaves a parameter without a value unbound when estimating", () => {
    const bound = bindParameters("SELECT {{a}}, {{b}}", { b: { value: 2 } }, { allowMissing: true });
    expect(bound.sql).toBe("SELECT $a   , $b   ");
    expect(Object.keys(bound.params)).toEqual(["b"]);
  });

  it("turns $name parameters into positional ones for engines that only have those", () => {
    expect(namedToPositional("SELECT $a, '$b', $c -- $d\n, x$e, $a")).toEqual({
      sql: "SELECT ?, '$b', ? -- $d\n, x$e, ?",
      names: ["a", "c", "a"],
    });
  });
});
