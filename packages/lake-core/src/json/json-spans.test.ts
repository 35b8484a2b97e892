import { describe, expect, it } from "vitest";
import { arrayElementSpans, cloudEventDataSpans, lastWinsJson } from "./json-spans";

function dataTexts(text: string, batch: boolean, start = 0): (string | undefined)[] {
  const body = Buffer.from(text);
  return cloudEventDataSpans(body, batch, start).map((s) =>
    s ? body.subarray(s[0], s[1]).toString() : undefined,
  );
}

describe("cloudEventDataSpans", () => {
  it("finds each event's data exactly as sent, whatever its type and spacing", () => {
    const body = `[
      {"id":"1","data":{"big": 9007199254740993, "s":"a\\"}b", "n":[1,{"x":"]"}]}},
      { "data" : 12.50 , "id":"2" },
      {"id":"3","data_base64":"e30="},
      "not an event",
      {"id":"5","data":"é\\u00e9","type":"t"},
      {"id":"6","data":null},
      {"id":"7","data":{"a":1},"data":[true,false]}
    ]`;
    expect(dataTexts(body, true)).toEqual([
      '{"big": 9007199254740993, "s":"a\\"}b", "n":[1,{"x":"]"}]}',
      "12.50",
      undefined,
      undefined,
      '"é\\u00e9"',
      "null",
      "[true,false]",
    ]);
  });

  it("reads a single event, a key spelled with escapes and a body after a byte order mark", () => {
    expect(dataTexts('{"d\\u0061ta": {"k": 1e400}, "id": "x"}', false)).toEqual(['{"k": 1e400}']);
    expect(dataTexts('\ufeff{"data":[]}', false, 3)).toEqual(["[]"]);
    expect(dataTexts('{"id":"x"}', false)).toEqual([undefined]);
    expect(dataTexts("[]", true)).toEqual([]);
  });

  it("agrees with JSON.parse on generated events", () => {
    let seed = 3;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const values = ['"x"', "1", "-2.5e3", "true", "null", "[]", '{"a":[1,"}"]}', '"\\\\"', '{"data":1}'];
    for (let round = 0; round < 200; round += 1) {
      const events = Array.from({ length: 1 + rand(5) }, (_, i) => {
        const members = [`"id":"${i}"`, `"type":${values[rand(values.length)]}`];
        if (rand(3) > 0) members.splice(rand(3), 0, `"data":${values[rand(values.length)]}`);
        return `{ ${members.join(" ,\n ")} }`;
      });
      const text = `[${events.join(",")}]`;
      const parsed = JSON.parse(text) as { data?: unknown }[];
      const found = dataTexts(text, true);
      expect(found.map((t) => (t === undefined ? undefined : JSON.parse(t)))).toEqual(
        parsed.map((e) => e.data),
      );
    }
  });
});

describe("arrayElementSpans", () => {
  it("finds each element's text as sent", () => {
    const text = ' [ {"a": 9007199254740993} ,"x,]" ,\n[1, [2]], 1e2,null ] ';
    const body = Buffer.from(text);
    expect(arrayElementSpans(body).map(([s, e]) => body.subarray(s, e).toString())).toEqual([
      '{"a": 9007199254740993}',
      '"x,]"',
      "[1, [2]]",
      "1e2",
      "null",
    ]);
    expect(arrayElementSpans(Buffer.from("[]"))).toEqual([]);
  });
});

describe("lastWinsJson", () => {
  const rebuilt = (text: string) => lastWinsJson(Buffer.from(text), 0, Buffer.byteLength(text));

  it("keeps each key's last member at every depth, as JSON.parse does, and every digit as sent", () => {
    const text =
      '{"a":1,"b":{"x":"\\ud800","x":12345678901234567890,"y":[{"k":1,"k":0.10000000000000000001}]},"a":9007199254740993}';
    const out = rebuilt(text);
    expect(out).toBe(
      '{"b":{"x":12345678901234567890,"y":[{"k":0.10000000000000000001}]},"a":9007199254740993}',
    );
    expect(JSON.parse(out)).toEqual(JSON.parse(text));
  });

  it("copies values without objects as sent and puts the value on one line", () => {
    expect(rebuilt('[1,\n  "a\\nb",\r\n  [2.50]]')).toBe('[1,   "a\\nb",    [2.50]]');
    expect(rebuilt('{\n "\\u0061": 1,\n "a": {}\n}')).toBe('{"a":{}}');
  });
});
