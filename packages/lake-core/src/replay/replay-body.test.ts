// A replay batch's body holds each event's text as it is kept, byte for byte, in the batch's format.
import { describe, expect, it } from "vitest";
import { replayBody } from "./replay-letters";

const events = [
  '{"id":"a","note":"prix 12 €"}',
  '{"id":"b","n":1.50}',
  '{"id":"c","emoji":"🙂","s":"\\u00e9"}',
];
const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

describe("a replay batch's body", () => {
  it("holds NDJSON lines, each ended by a newline, non-ASCII text encoded as UTF-8", () => {
    expect(text(replayBody("ndjson", events))).toBe(`${events.join("\n")}\n`);
    expect(replayBody("ndjson", events).byteLength).toBe(Buffer.byteLength(`${events.join("\n")}\n`));
  });

  it("holds a CloudEvents batch as one JSON array of the events", () => {
    expect(text(replayBody("cloudevents-batch", events))).toBe(`[${events.join(",\n")}]`);
    expect(JSON.parse(text(replayBody("cloudevents-batch", events)))).toHaveLength(3);
  });

  it("holds one event, or none, in either format", () => {
    expect(text(replayBody("ndjson", [events[0]!]))).toBe(`${events[0]}\n`);
    expect(text(replayBody("cloudevents-batch", [events[0]!]))).toBe(`[${events[0]}]`);
    expect(text(replayBody("ndjson", []))).toBe("\n");
    expect(text(replayBody("cloudevents-batch", []))).toBe("[]");
  });
});
