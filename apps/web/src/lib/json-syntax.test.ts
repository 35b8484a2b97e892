import { describe, expect, it } from "vitest";
import { describeJsonSyntaxError, findJsonSyntaxError } from "./json-syntax";

const at = (text: string) => {
  const e = findJsonSyntaxError(text);
  return e && describeJsonSyntaxError(e);
};

describe("findJsonSyntaxError", () => {
  it("accepts whatever JSON.parse accepts", () => {
    for (const text of [
      "{}",
      "[]",
      '{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"], "b": {"c": {}}}',
      "  42  ",
      '"s"',
      "[[[[]]]]",
    ]) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(findJsonSyntaxError(text)).toBeUndefined();
    }
  });

  it("names the line and column of a missing comma", () => {
    const text = '{\n  "type": "object",\n  "a": 1 "b": 2\n}';
    expect(at(text)).toBe("Line 3, column 10: Expected ',' or '}'");
    expect(at("[1 2]")).toBe("Line 1, column 4: Expected ',' or ']'");
  });

  it("explains the mistakes people make by hand", () => {
    expect(at('{"a": 1,}')).toBe("Line 1, column 9: Trailing comma before '}': remove the comma");
    expect(at("[1,]")).toBe("Line 1, column 4: Trailing comma before ']': remove the comma");
    expect(at("{'a': 1}")).toBe("Line 1, column 2: Property names need double quotes, not single");
    expect(at('{"a" 1}')).toBe("Line 1, column 6: Expected ':' after the property name");
    expect(at('{"a": }')).toMatch(/^Line 1, column 7: Expected a value/);
    expect(at('{"a": 01}')).toBe("Line 1, column 7: Invalid number");
    expect(at('{"a": "b\\x"}')).toBe('Line 1, column 9: Invalid escape sequence "\\x"');
    expect(at('{"a": "b')).toBe("Line 1, column 7: Unterminated string");
    expect(at('{"a": 1}\n{"b": 2}')).toBe("Line 2, column 1: Unexpected text after the JSON value");
    expect(at('{"a": [1')).toBe("Line 1, column 9: Unexpected end of text: expected ',' or ']'");
    expect(at("")).toBe("Line 1, column 1: The text is empty: expected a JSON value");
  });

  it("finds an error deep inside a nesting JSON.parse would also refuse, without recursion", () => {
    const deep = `${"[".repeat(100_000)}x`;
    expect(findJsonSyntaxError(deep)?.from).toBe(100_000);
  });

  it("agrees with JSON.parse on generated texts", () => {
    const pieces = ["{", "}", "[", "]", ",", ":", '"k"', "1", "-", "0", "true", " ", "\n", "'", "n"];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let round = 0; round < 3000; round += 1) {
      const length = 1 + (next() % 10);
      const text = Array.from({ length }, () => pieces[next() % pieces.length]).join("");
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      expect(findJsonSyntaxError(text) === undefined, text).toBe(parses);
    }
  });
});
