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
