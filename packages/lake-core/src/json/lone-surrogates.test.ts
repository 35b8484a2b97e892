import { describe, expect, it } from "vitest";
import { bytesMayHoldSurrogateEscape, loneSurrogatePath, mayHoldSurrogateEscape } from "./lone-surrogates";

describe("unpaired surrogates", () => {
  it("finds the first string or key that holds one, by JSON pointer", () => {
    expect(loneSurrogatePath(JSON.parse('{"a":"ok \\ud83d\\ude00","b":["x","\\ud800 lone"]}'))).toBe("/b/1");
    expect(loneSurrogatePath(JSON.parse('{"a/b":{"\\udc00":1}}'))).toBe("/a~1b/\udc00");
    expect(loneSurrogatePath(JSON.parse('{"emoji":"\\ud83d\\ude00","x":"\\u00e9"}'))).toBeUndefined();
    expect(loneSurrogatePath("\ud800", "/note")).toBe("/note");
  });

  it("pre-screens text and bytes for surrogate escapes", () => {
    expect(mayHoldSurrogateEscape('{"a":"\\uD83D"}')).toBe(true);
    expect(mayHoldSurrogateEscape('{"a":"\\u00e9 \\ud7ff"}')).toBe(false);
    const body = Buffer.from('xx{"a":"\\uDc00"}yy{"b":"\\u0041"}');
    expect(bytesMayHoldSurrogateEscape(body, 2, 16)).toBe(true);
    expect(bytesMayHoldSurrogateEscape(body, 18, body.length)).toBe(false);
  });
});
