import { describe, expect, it } from "vitest";
import { formatLatency } from "./freshness-card";
import { cellText, shorten } from "./latest-events-card";
import { deadLettersHref } from "./rejects-card";
import { parseTestEvent } from "./test-event-panel";

describe("the source page's displays", () => {
  it("shows latencies in the unit a person reads them in", () => {
    expect([
      formatLatency(850.4),
      formatLatency(1_420),
      formatLatency(12_000),
      formatLatency(95_000),
    ]).toEqual(["850 ms", "1.4 s", "12 s", "1 min"]);
  });

  it("shortens long and JSON cells, keeping the whole value for the title", () => {
    expect(cellText({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect([cellText(null), cellText(3), cellText("x")]).toEqual(["—", "3", "x"]);
    expect([cellText(11.100000000000001), cellText(22.200000000000003)]).toEqual(["11.1", "22.2"]);
    const long = "y".repeat(80);
    expect(shorten(long)).toHaveLength(60);
    expect(shorten(long).endsWith("…")).toBe(true);
    expect(shorten("short")).toBe("short");
  });

  it("links a reason to the Dead letters page filtered to the source and that reason", () => {
    expect(deadLettersHref("orders", "SCHEMA_VIOLATION")).toBe(
      "/dead-letters?source=orders&reason=SCHEMA_VIOLATION",
    );
    expect(deadLettersHref("orders")).toBe("/dead-letters?source=orders");
  });

  it("takes a JSON object as the test event and says where other text goes wrong", () => {
    expect(parseTestEvent('{"id": "a"}')).toEqual({ ok: true, event: { id: "a" } });
    expect(parseTestEvent("[1]")).toEqual({ ok: false, message: "The event must be a JSON object: { … }" });
    const broken = parseTestEvent('{\n  "id": "a",\n}');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.message).toMatch(/^Line 3, column 1: /);
    expect(parseTestEvent("  ")).toEqual({ ok: false, message: "Write the event as a JSON object" });
  });
});
