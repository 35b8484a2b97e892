import { describe, expect, it } from "vitest";
import { indentJson } from "./json-indent";
import { excerptAround, failingValue, parsePointer } from "./json-pointer-span";

function marked(text: string, pointer: string | null): string | undefined {
  const found = failingValue(text, pointer);
  return found?.found === "value" ? text.slice(found.from, found.to) : undefined;
}

describe("parsePointer", () => {
  it("reads RFC 6901 tokens, escapes included, and refuses what is not a pointer", () => {
    expect(parsePointer("")).toEqual([]);
    expect(parsePointer("/a~1b/~0c/0")).toEqual(["a/b", "~c", "0"]);
    expect(parsePointer("/")).toEqual([""]);
    expect(parsePointer("amount")).toBeUndefined();
  });
});

describe("failingValue", () => {
  it("finds the value a pointer names, as sent, in compact and indented text", () => {
    const text =
      '{"id":"e-1","amount":"not a number","n":12345678901234567890,"items":[{"qty":1},{"qty":-2}]}';
    expect(marked(text, "/amount")).toBe('"not a number"');
    expect(marked(text, "/n")).toBe("12345678901234567890");
    expect(marked(text, "/items/1/qty")).toBe("-2");
    expect(marked(text, "/items/1")).toBe('{"qty":-2}');
    const indented = indentJson(text)!;
    expect(marked(indented, "/items/1/qty")).toBe("-2");
    expect(marked(indented, "/items/0")).toBe('{\n      "qty": 1\n    }');
  });

  it("marks the last of a repeated key, reads escaped keys and pointer escapes", () => {
    expect(marked('{"a":1,"a":"second"}', "/a")).toBe('"second"');
    expect(marked('{"a/b":{"t~":true},"x":"\\"}"}', "/a~1b/t~0")).toBe("true");
    expect(marked('{"d\\u0061ta":[1,2]}', "/data/1")).toBe("2");
    expect(marked('{"s":"a\\"b"}', "/s")).toBe('"a\\"b"');
  });

  it("looks in a CloudEvent's data first, where its schema judged it", () => {
    const event = '{"specversion":"1.0","id":"ce-1","source":"s","type":"t","data":{"id":7,"amount":"x"}}';
    expect(marked(event, "/amount")).toBe('"x"');
    expect(marked(event, "/id")).toBe("7");
  });

  it("says where a missing property would go, and marks nothing it cannot place", () => {
    expect(failingValue('{"id":"e"}', "/currency")).toEqual({ found: "missing", parent: "/" });
    expect(failingValue('{"a":{"b":1}}', "/a/c")).toEqual({ found: "missing", parent: "/a" });
    expect(failingValue('{"a":1}', "/x/y")).toBeUndefined();
    expect(failingValue('{"a":[1]}', "/a/5")).toBeUndefined();
    expect(failingValue('{"id":"e-4",', "/id")).toBeUndefined();
    expect(failingValue('{"a":1}', "")).toBeUndefined();
    expect(failingValue('{"a":1}', null)).toBeUndefined();
    expect(failingValue("[1,2]", "/1")).toEqual({ found: "value", from: 3, to: 4 });
  });
});

describe("excerptAround", () => {
  it("shows the marked value with some text either side on one line", () => {
    const text = `{"pad":"${"p".repeat(100)}","amount":"x","tail":"${"t".repeat(100)}"}`;
    const span = failingValue(text, "/amount");
    if (span?.found !== "value") throw new Error("not found");
    const e = excerptAround(text, span, { radius: 12 });
    expect(e).toEqual({ before: '…p","amount":', marked: '"x"', after: ',"tail":"ttt…' });
    const long = excerptAround(`{"a":"${"v".repeat(300)}"}`, { from: 5, to: 307 }, { maxMarked: 10 });
    expect(long.marked).toBe('"vvvvvvvv…');
    expect(excerptAround('{\n  "a": 1\n}', { from: 9, to: 10 }).before).toBe('{ "a": ');
  });
});
