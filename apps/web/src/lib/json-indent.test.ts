import { describe, expect, it } from "vitest";
import { indentJson } from "./json-indent";

describe("indentJson", () => {
  it("indents without changing a digit, a repeated key or an escape", () => {
    const text =
      '{"big":12345678901234567890123,"f":1.50,"dup":1,"dup":2,"s":"a\\"b, {c}","e":{},"a":[1, [ ]]}';
    expect(indentJson(text)).toBe(
      '{\n  "big": 12345678901234567890123,\n  "f": 1.50,\n  "dup": 1,\n  "dup": 2,\n  "s": "a\\"b, {c}",\n  "e": {},\n  "a": [\n    1,\n    []\n  ]\n}',
    );
  });

  it("leaves text that is not one JSON object or array alone", () => {
    expect(indentJson('{"id":"x",')).toBeUndefined();
    expect(indentJson("plain text")).toBeUndefined();
    expect(indentJson('"just a string"')).toBeUndefined();
  });
});

describe("indentJson on text that is not JSON", () => {
  it("leaves a bracketed notice as it is", () => {
    expect(
      indentJson(
        "[payload hidden: it is not valid JSON, so the table's column rules cannot be matched to its fields]",
      ),
    ).toBeUndefined();
    expect(indentJson('{"a":1e5,"b":true,"c":null}')).toBe('{\n  "a": 1e5,\n  "b": true,\n  "c": null\n}');
  });
});
