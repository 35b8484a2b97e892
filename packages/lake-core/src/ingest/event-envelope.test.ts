import { describe, expect, it } from "vitest";
import { locateJsonError } from "../json/json-error-location";
import {
  checkBatch,
  checkCloudEvent,
  compilePath,
  EnvelopeError,
  type EnvelopeProblem,
  type EventProblem,
  eventIdFrom,
  eventIdProblem,
  eventTimeFrom,
  getPath,
  parseEvents,
  pointerOfPath,
} from "./event-envelope";

const batchId = "0190a0b0-0000-7000-8000-000000000001";
const receivedAt = new Date("2024-05-02T08:00:00.000Z");
const source = { idField: "id", timeField: "time" };
const limits = { maxEventBytes: 1024, maxEvents: 100 };
const b = (s: string) => Buffer.from(s);

function problemOf(result: ReturnType<typeof checkBatch>): EnvelopeProblem {
  if (result.ok) throw new Error("expected a problem");
  return result.problem;
}

describe("dotted paths", () => {
  it("follows nested objects and array indexes", () => {
    const v = { meta: { ids: [{ id: "a" }, { id: 7 }] } };
    expect(getPath(v, "meta.ids.1.id")).toBe(7);
    expect(getPath(v, "meta.ids.x.id")).toBeUndefined();
    expect(getPath(v, "meta.missing.id")).toBeUndefined();
  });

  it("prefers a key spelled exactly like the whole path", () => {
    expect(getPath({ "a.b": 1, a: { b: 2 } }, "a.b")).toBe(1);
  });

  it("reads own keys only, never the prototype", () => {
    expect(getPath({}, "constructor")).toBeUndefined();
    expect(getPath({ a: {} }, "a.toString")).toBeUndefined();
    expect(compilePath("")({ "": 1 })).toBeUndefined();
    expect(getPath([1], "0")).toBeUndefined();
  });
});

describe("event ids and times", () => {
  it("takes non-empty strings and finite numbers as ids", () => {
    expect(eventIdFrom("e-1")).toBe("e-1");
    expect(eventIdFrom(42)).toBe("42");
    expect(eventIdFrom("")).toBeUndefined();
    expect(eventIdFrom(Number.NaN)).toBeUndefined();
    expect(eventIdFrom({ id: 1 })).toBeUndefined();
    expect(eventIdFrom(true)).toBeUndefined();
  });

  it("reads ISO 8601 strings as UTC unless they carry an offset, and numbers as epoch ms", () => {
    expect(eventTimeFrom("2024-05-01T10:00:00Z")?.toISOString()).toBe("2024-05-01T10:00:00.000Z");
    expect(eventTimeFrom("2024-05-01T10:00:00.123456Z")?.toISOString()).toBe("2024-05-01T10:00:00.123Z");
    expect(eventTimeFrom("2024-05-01T10:00:00+02:00")?.toISOString()).toBe("2024-05-01T08:00:00.000Z");
    expect(eventTimeFrom("2024-05-01T10:00:00-0130")?.toISOString()).toBe("2024-05-01T11:30:00.000Z");
    expect(eventTimeFrom("2024-05-01T10:00:00+05")?.toISOString()).toBe("2024-05-01T05:00:00.000Z");
    expect(eventTimeFrom("2024-05-01 10:00")?.toISOString()).toBe("2024-05-01T10:00:00.000Z");
    expect(eventTimeFrom("2024-05-01T10:00:00,5")?.toISOString()).toBe("2024-05-01T10:00:00.500Z");
    expect(eventTimeFrom("2024-05-01")?.toISOString()).toBe("2024-05-01T00:00:00.000Z");
    expect(eventTimeFrom(1714557600000)?.toISOString()).toBe("2024-05-01T10:00:00.000Z");
  });

  it("rejects strings Date.parse would guess at, and impossible numbers", () => {
    for (const v of [
      "12",
      "yesterday",
      "May 1, 2024",
      "2024-13-01",
      "",
      null,
      true,
      Number.POSITIVE_INFINITY,
      9e15,
    ]) {
      expect(eventTimeFrom(v)).toBeUndefined();
    }
  });
});

describe("NDJSON events", () => {
  it("derives id and time from the source's dotted fields, else assigns them", () => {
    const body = b(
      [
        '{"meta":{"eventId":"a-1","at":"2024-05-01T10:00:00Z"},"n":1}',
        "",
        '{"meta":{"eventId":17,"at":1714557600000},"n":2}',
        "   ",
        '{"n":3}',
      ].join("\r\n"),
    );
    const events = parseEvents({
      body,
      format: "ndjson",
      source: { idField: "meta.eventId", timeField: "meta.at" },
      batchId,
      receivedAt,
    });
    expect(
      events.map((e) => [e.index, e.id, e.time.toISOString(), e.idAssigned, e.timeAssigned, e.line]),
    ).toEqual([
      [0, "a-1", "2024-05-01T10:00:00.000Z", false, false, 1],
      [1, "17", "2024-05-01T10:00:00.000Z", false, false, 3],
      [2, `${batchId}:2`, receivedAt.toISOString(), true, true, 5],
    ]);
    expect(events[2]?.payload).toEqual({ n: 3 });
    expect(events[0]?.text).toBe('{"meta":{"eventId":"a-1","at":"2024-05-01T10:00:00Z"},"n":1}');
    expect(events[0]?.attributes).toBeUndefined();
  });

  it("skips a UTF-8 byte order mark", () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b('{"id":"x"}\n')]);
    expect(parseEvents({ body, format: "ndjson", source, batchId, receivedAt }).map((e) => e.id)).toEqual([
      "x",
    ]);
  });

  it("throws an EnvelopeError naming the line of a malformed event", () => {
    const body = b('{"id":"a"}\n{"id":}\n');
    expect(() => parseEvents({ body, format: "ndjson", source, batchId, receivedAt })).toThrow(EnvelopeError);
    try {
      parseEvents({ body, format: "ndjson", source, batchId, receivedAt });
    } catch (err) {
      expect((err as EnvelopeError).problem).toMatchObject({ code: "MALFORMED_JSON", line: 2, index: 1 });
      expect((err as EnvelopeError).code).toBe("BAD_REQUEST");
    }
  });

  it("reports bad lines to onInvalid and keeps indexes stable for the rest", () => {
    const problems: EventProblem[] = [];
    const body = b('{"a":1}\n[1,2]\nnot json\n{"a":4}\n');
    const events = parseEvents({
      body,
      format: "ndjson",
      source,
      batchId,
      receivedAt,
      onInvalid: (p) => problems.push(p),
    });
    expect(events.map((e) => e.id)).toEqual([`${batchId}:0`, `${batchId}:3`]);
    expect(problems.map((p) => [p.line, p.index, p.text])).toEqual([
      [2, 1, "[1,2]"],
      [3, 2, "not json"],
    ]);
    expect(problems[0]?.message).toBe("line 2: expected a JSON object, got an array");
  });

  it("reports a line that is not UTF-8 without mangling the others", () => {
    const body = Buffer.concat([b('{"a":"é"}\n{"a":"'), Buffer.from([0xff, 0xfe]), b('"}\n')]);
    const problems: EventProblem[] = [];
    const events = parseEvents({
      body,
      format: "ndjson",
      source,
      batchId,
      receivedAt,
      onInvalid: (p) => problems.push(p),
    });
    expect(events.map((e) => e.payload)).toEqual([{ a: "é" }]);
    expect(problems[0]?.message).toBe("line 2: not valid UTF-8");
  });
});

describe("CloudEvents", () => {
  const ce = (extra: Record<string, unknown> = {}) => ({
    specversion: "1.0",
    type: "order.created",
    source: "/shop",
    ...extra,
  });

  it("takes id, time, data and attributes from each event of a batch", () => {
    const body = b(
      JSON.stringify([
        ce({ id: "e1", time: "2024-05-01T10:00:00+02:00", subject: "o-1", data: { amount: 5 } }),
        ce({ data: [1, 2] }),
        ce(),
      ]),
    );
    const events = parseEvents({ body, format: "cloudevents-batch", source, batchId, receivedAt });
    expect(events[0]).toEqual({
      index: 0,
      id: "e1",
      dedupeId: "/shop\u001fe1",
      time: new Date("2024-05-01T08:00:00Z"),
      timeMicros: 0,
      payload: { amount: 5 },
      idAssigned: false,
      timeAssigned: false,
      attributes: { type: "order.created", source: "/shop", subject: "o-1" },
      start: expect.any(Number),
      end: expect.any(Number),
      eventSpan: [1, expect.any(Number)],
    });
    // The spans are where the data's own text, and the whole event's, sit in the body.
    expect(body.subarray(events[0]?.start, events[0]?.end).toString()).toBe('{"amount":5}');
    const [first, last] = events[0]?.eventSpan ?? [0, 0];
    expect(JSON.parse(body.subarray(first, last).toString())).toMatchObject({ id: "e1", subject: "o-1" });
    expect(events[1]).toMatchObject({
      id: `${batchId}:1`,
      time: receivedAt,
      payload: [1, 2],
      idAssigned: true,
    });
    expect(events[2]?.payload).toBeNull();
  });

  it("reads one structured event", () => {
    const body = b(JSON.stringify(ce({ id: "only", data: { x: 1 } })));
    const [event, ...rest] = parseEvents({ body, format: "cloudevents", source, batchId, receivedAt });
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      index: 0,
      id: "only",
      payload: { x: 1 },
      attributes: { type: "order.created" },
    });
  });

  it("hands invalid events of a batch to onInvalid and yields the valid ones", () => {
    const problems: EventProblem[] = [];
    const body = b(JSON.stringify([ce({ id: "a" }), { specversion: "1.0", source: "/s" }, ce({ id: "c" })]));
    const events = parseEvents({
      body,
      format: "cloudevents-batch",
      source,
      batchId,
      receivedAt,
      onInvalid: (p) => problems.push(p),
    });
    expect(events.map((e) => [e.index, e.id])).toEqual([
      [0, "a"],
      [2, "c"],
    ]);
    expect(problems).toMatchObject([{ code: "INVALID_CLOUDEVENT", index: 1, field: "type" }]);
  });

  it("reports a batch that is not an array or not JSON at all", () => {
    const problems: EventProblem[] = [];
    const onInvalid = (p: EventProblem) => problems.push(p);
    const common = { source, batchId, receivedAt, onInvalid };
    expect(parseEvents({ ...common, body: b('{"a":1}'), format: "cloudevents-batch" })).toEqual([]);
    expect(parseEvents({ ...common, body: b("[{"), format: "cloudevents-batch" })).toEqual([]);
    expect(problems.map((p) => p.code)).toEqual(["INVALID_CLOUDEVENT", "MALFORMED_JSON"]);
  });

  it("checks the required attributes and the types of the optional ones", () => {
    expect(checkCloudEvent(ce({ id: "x", time: "2024-05-01T10:00:00.5Z", subject: "s" }))).toBeUndefined();
    expect(checkCloudEvent({ type: "t", source: "s" })).toEqual({
      field: "specversion",
      message: 'missing required attribute "specversion"',
    });
    expect(checkCloudEvent(ce({ specversion: "0.3" }))?.message).toBe(
      '"specversion" must be "1.0" (got "0.3")',
    );
    expect(checkCloudEvent(ce({ id: "x", type: "" }))?.field).toBe("type");
    expect(checkCloudEvent(ce({ id: "x", source: 5 }))?.message).toBe(
      '"source" must be a non-empty string (got 5)',
    );
    expect(checkCloudEvent(ce({ id: 5 }))?.field).toBe("id");
    expect(checkCloudEvent(ce())).toEqual({ field: "id", message: 'missing required attribute "id"' });
    expect(checkCloudEvent(ce({ id: null }))?.field).toBe("id");
    // The worker reads batches accepted before ingest required ids, and assigns one.
    expect(checkCloudEvent(ce(), undefined, { atIngest: false })).toBeUndefined();
    expect(checkCloudEvent(ce({ id: "x", subject: 1 }))?.field).toBe("subject");
    expect(checkCloudEvent(ce({ id: "x", myext: [[1]] }))).toEqual({
      field: "myext",
      message: '"myext" must be a string, number or boolean: CloudEvents attributes cannot be arrays',
    });
    expect(
      checkCloudEvent(ce({ id: "x", traceparent: "00-1", sampled: true, n: 1, data: { a: [1] } })),
    ).toBeUndefined();
    expect(checkCloudEvent(ce({ id: "x", time: "2024-05-01" }))?.field).toBe("time");
    expect(checkCloudEvent(ce({ id: "x", data: 1, data_base64: "AA==" }))?.field).toBe("data");
    expect(checkCloudEvent("x")?.message).toBe("is a string, not a JSON object");
    expect(checkCloudEvent({ type: "t" }, (a) => `header ce-${a}`)?.message).toBe(
      "missing required attribute header ce-specversion",
    );
  });

  it("holds structured events to the specification's names and types, as binary mode is", () => {
    expect(checkCloudEvent(ce({ id: "x", My_Ext: "v" }))).toEqual({
      field: "My_Ext",
      message: '"My_Ext": CloudEvents attribute names are lowercase letters and digits (a-z, 0-9)',
    });
    expect(checkCloudEvent(ce({ id: "x", TYPE: "v" }))?.field).toBe("TYPE");
    expect(checkCloudEvent(ce({ id: "x", datacontenttype: 5 }))?.message).toBe(
      '"datacontenttype" must be a string (got 5)',
    );
    expect(checkCloudEvent(ce({ id: "x", dataschema: true }))?.field).toBe("dataschema");
    for (const bad of ["!!!not base64***", 12, "AAA", "AA=A"]) {
      expect(checkCloudEvent(ce({ id: "x", data_base64: bad }))?.field).toBe("data_base64");
    }
    for (const good of ["", "AA==", "AAA=", "AAAA", "e30="]) {
      expect(checkCloudEvent(ce({ id: "x", data_base64: good }))).toBeUndefined();
    }
    expect(checkCloudEvent(ce({ id: "x", source: "/a\u001fb" }))).toEqual({
      field: "source",
      message:
        '"source" must be a URI-reference, which holds no control characters (U+0000 to U+001F, U+007F)',
    });
    expect(checkCloudEvent(ce({ id: "x", time: "2016-12-31T23:59:60Z" }))?.message).toBe(
      '"time" is a leap second (:60), which Inlet cannot represent as an instant (got "2016-12-31T23:59:60Z")',
    );
    // Batches accepted before these checks are still read by the worker.
    expect(
      checkCloudEvent(ce({ id: "x", My_Ext: "v", data_base64: "!" }), undefined, { atIngest: false }),
    ).toBe(undefined);
  });
});

describe("checkBatch", () => {
  it("counts the events of a valid NDJSON batch", () => {
    expect(checkBatch(b('{"a":1}\n\n{"a":2}\r\n{"a":3}'), "ndjson", limits)).toEqual({
      ok: true,
      eventCount: 3,
    });
  });

  it("names the line and the parser's complaint for malformed JSON", () => {
    const problem = problemOf(checkBatch(b('{"a":1}\n{"a":1,}\n'), "ndjson", limits));
    expect(problem).toMatchObject({ code: "MALFORMED_JSON", line: 2, index: 1, text: '{"a":1,}' });
    expect(problem.message).toMatch(/^line 2: .+/);
  });

  it("adds the column when the parser gives no position", () => {
    const problem = problemOf(checkBatch(b('{"a": x}'), "ndjson", limits));
    expect(problem.message).toMatch(/^line 1: Unexpected token 'x'.* \(column 7\)$/);
  });

  it("refuses lines that are JSON but not objects", () => {
    expect(problemOf(checkBatch(b('"text"\n'), "ndjson", limits)).message).toBe(
      "line 1: expected a JSON object, got a string",
    );
  });

  it("refuses an event over the size limit before parsing it", () => {
    const big = `{"pad":"${"x".repeat(2000)}"}`;
    const problem = problemOf(checkBatch(b(`{"a":1}\n\n${big}\n`), "ndjson", limits));
    expect(problem).toMatchObject({ code: "EVENT_TOO_LARGE", line: 3, index: 1, actual: 2010, limit: 1024 });
    expect(problem.message).toBe("line 3: the event is 2,010 bytes; the limit is 1,024");
  });

  it("counts all the events of a batch over the count limit", () => {
    const body = b(`${'{"a":1}\n'.repeat(250)}`);
    const problem = problemOf(checkBatch(body, "ndjson", limits));
    expect(problem).toMatchObject({ code: "BATCH_TOO_LARGE", actual: 250, limit: 100 });
    expect(problem.message).toBe("the batch has 250 events; the limit is 100 per request");
  });

  it("refuses an empty batch", () => {
    expect(problemOf(checkBatch(b("\n \r\n"), "ndjson", limits)).code).toBe("EMPTY_BATCH");
    expect(problemOf(checkBatch(b("[]"), "cloudevents-batch", limits)).code).toBe("EMPTY_BATCH");
  });

  it("names the line of a line that is not UTF-8", () => {
    const body = Buffer.concat([b('{"a":1}\n{"a":"'), Buffer.from([0xc3, 0x28]), b('"}\n')]);
    expect(problemOf(checkBatch(body, "ndjson", limits))).toMatchObject({ code: "MALFORMED_JSON", line: 2 });
  });

  const ce = { specversion: "1.0", id: "e-1", type: "t", source: "/s" };

  it("accepts a CloudEvents batch and counts it", () => {
    expect(checkBatch(b(JSON.stringify([ce, { ...ce, id: "e-2" }])), "cloudevents-batch", limits)).toEqual({
      ok: true,
      eventCount: 2,
    });
  });

  it("gives line and column of a syntax error in a JSON body", () => {
    const problem = problemOf(
      checkBatch(b('[\n  {"specversion": "1.0",\n   "type": }\n]'), "cloudevents-batch", limits),
    );
    expect(problem).toMatchObject({ code: "MALFORMED_JSON", line: 3 });
    expect(problem.message).toMatch(/^line 3, column 12: /);
  });

  it("names the event and attribute at fault in a batch", () => {
    const problem = problemOf(
      checkBatch(b(JSON.stringify([ce, { ...ce, type: undefined }])), "cloudevents-batch", limits),
    );
    expect(problem).toMatchObject({ code: "INVALID_CLOUDEVENT", index: 1, field: "type" });
    expect(problem.message).toBe('event 2: missing required attribute "type"');
    expect(problemOf(checkBatch(b(JSON.stringify([ce, 5])), "cloudevents-batch", limits)).message).toBe(
      "event 2 is a number, not a JSON object",
    );
  });

  it("refuses a batch that is not an array and hints at the single-event type", () => {
    expect(problemOf(checkBatch(b(JSON.stringify(ce)), "cloudevents-batch", limits)).message).toBe(
      "a CloudEvents batch must be a JSON array of events, got an object; send a single event as application/cloudevents+json",
    );
  });

  it("refuses a CloudEvents batch over the count limit", () => {
    const body = b(JSON.stringify(Array.from({ length: 101 }, () => ce)));
    expect(problemOf(checkBatch(body, "cloudevents-batch", limits))).toMatchObject({
      code: "BATCH_TOO_LARGE",
      actual: 101,
    });
  });

  it("measures each event of a large CloudEvents batch", () => {
    const body = b(JSON.stringify([ce, ce, { ...ce, data: "x".repeat(1100) }]));
    const problem = problemOf(checkBatch(body, "cloudevents-batch", limits));
    expect(problem).toMatchObject({ code: "EVENT_TOO_LARGE", index: 2 });
    expect(problem.message).toMatch(/^event 3 is 1,1\d\d bytes; the limit is 1,024$/);
    // As sent: escapes count as the bytes they take, as in a single event or an NDJSON line.
    const escaped = `[${JSON.stringify(ce)},${JSON.stringify({ ...ce, data: "x" }).replace('"x"', `"${"\\u0041".repeat(200)}"`)}]`;
    expect(problemOf(checkBatch(b(escaped), "cloudevents-batch", limits))).toMatchObject({
      code: "EVENT_TOO_LARGE",
      index: 1,
    });
  });

  it("checks a single structured event: object, attributes and size", () => {
    expect(checkBatch(b(JSON.stringify(ce)), "cloudevents", limits)).toEqual({ ok: true, eventCount: 1 });
    expect(problemOf(checkBatch(b("[1]"), "cloudevents", limits)).message).toBe(
      "a structured CloudEvent must be a JSON object, got an array; send arrays as application/cloudevents-batch+json",
    );
    expect(
      problemOf(checkBatch(b(JSON.stringify({ ...ce, time: "now" })), "cloudevents", limits)),
    ).toMatchObject({
      code: "INVALID_CLOUDEVENT",
      field: "time",
    });
    expect(
      problemOf(checkBatch(b(JSON.stringify({ ...ce, data: "x".repeat(1100) })), "cloudevents", limits)).code,
    ).toBe("EVENT_TOO_LARGE");
    expect(problemOf(checkBatch(Buffer.from([0x7b, 0xff, 0x7d]), "cloudevents", limits)).message).toBe(
      "body is not valid UTF-8",
    );
  });
});

describe("review fixes", () => {
  it("never merges numeric ids that JSON numbers cannot hold exactly: they are reported, not collapsed", () => {
    expect(eventIdFrom(9007199254740991)).toBe("9007199254740991");
    expect(eventIdFrom(JSON.parse("1234567890123456789"))).toBeUndefined();
    expect(eventIdFrom(1.5)).toBeUndefined();
    expect(eventIdProblem(JSON.parse("1234567890123456789"), "id")).toContain("must be sent as JSON strings");
    expect(eventIdProblem(12, "id")).toBeUndefined();
    expect(eventIdProblem("1234567890123456789", "id")).toBeUndefined();

    const problems: EventProblem[] = [];
    const body = b(
      '{"id":1234567890123456789,"a":1}\n{"id":1234567890123456700,"a":2}\n{"id":"1234567890123456789"}\n{"id":7}\n',
    );
    const events = parseEvents({
      body,
      format: "ndjson",
      source,
      batchId,
      receivedAt,
      onInvalid: (p) => problems.push(p),
    });
    expect(events.map((e) => [e.index, e.id, e.idAssigned])).toEqual([
      [2, "1234567890123456789", false],
      [3, "7", false],
    ]);
    expect(problems.map((p) => [p.code, p.index, p.line, p.field])).toEqual([
      ["INVALID_EVENT_ID", 0, 1, "id"],
      ["INVALID_EVENT_ID", 1, 2, "id"],
    ]);
    expect(problems[0]?.message).toMatch(/^line 1: event id field "id" .*2\^53.*strings$/);
    expect(problems[1]?.text).toBe('{"id":1234567890123456700,"a":2}');
  });

  it("does not roll impossible dates and clock times over into real ones", () => {
    for (const v of [
      "2024-02-30",
      "2023-02-29",
      "2024-04-31T10:00:00Z",
      "2024-05-01T24:00:00Z",
      "2024-05-01T10:60:00Z",
      "2024-05-01T10:00:61Z",
      "2024-05-00",
      "2024-05-01T10:00:00+24:00",
    ]) {
      expect(eventTimeFrom(v), v).toBeUndefined();
    }
    expect(eventTimeFrom("2024-02-29")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
    expect(eventTimeFrom("2000-02-29T23:59:59Z")?.toISOString()).toBe("2000-02-29T23:59:59.000Z");
    const ce = { specversion: "1.0", id: "e-1", type: "t", source: "/s" };
    expect(checkCloudEvent({ ...ce, time: "2024-02-30T00:00:00Z" })?.field).toBe("time");
    expect(checkCloudEvent({ ...ce, time: "2024-02-29T00:00:00Z" })).toBeUndefined();
  });

  it("spells a dotted id path as the JSON pointer of the value it reads", () => {
    expect(pointerOfPath("id")).toBe("/id");
    expect(pointerOfPath("meta.event/id~1")).toBe("/meta/event~1id~01");
    // A key spelled like the whole dotted path is what compilePath reads first.
    expect(pointerOfPath("a.b", { "a.b": 1 })).toBe("/a.b");
    expect(pointerOfPath("a.b", { a: { b: 1 } })).toBe("/a/b");
  });

  it("reads UTC date-times on its fast path exactly as the general parser does", () => {
    // A space separator never takes the fast path: the two spellings must always agree.
    let seed = 11;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const pad = (v: number, n: number) => String(v).padStart(n, "0");
    const cases = [
      "1999-12-31T23:59:59Z",
      "2024-02-29T00:00:00.5z",
      "2023-02-29T00:00:00Z",
      "0999-01-01T00:00:00Z",
    ];
    for (let i = 0; i < 5_000; i += 1) {
      const fraction = ["", ".1", ".12", ".123", ".1239", ",5", ".", ".12a"][rand(8)];
      cases.push(
        `${pad(rand(10_000), 4)}-${pad(rand(14), 2)}-${pad(rand(33), 2)}T${pad(rand(26), 2)}:${pad(rand(62), 2)}:${pad(rand(62), 2)}${fraction}${["Z", "z", "", "+01:00"][rand(4)]}`,
      );
    }
    for (const text of cases) {
      const general = eventTimeFrom(text.replace("T", " "))?.getTime();
      expect(eventTimeFrom(text)?.getTime(), text).toBe(general);
    }
  });

  it("dedupes CloudEvents by source and id, and decodes data_base64 into the payload", () => {
    const ce = (source: string, extra: Record<string, unknown>) => ({
      specversion: "1.0",
      type: "t",
      source,
      ...extra,
    });
    const body = b(
      JSON.stringify([
        ce("/a", { id: "1", data_base64: Buffer.from('{"x":1}').toString("base64") }),
        ce("/b", { id: "1", data_base64: Buffer.from("plain text").toString("base64") }),
        ce("/b", { data_base64: Buffer.from([0xff, 0xfe]).toString("base64") }),
        ce("/c", { id: "2" }),
      ]),
    );
    const events = parseEvents({ body, format: "cloudevents-batch", source, batchId, receivedAt });
    expect(events.map((e) => [e.id, e.dedupeId, e.payload])).toEqual([
      ["1", "/a\u001f1", { x: 1 }],
      ["1", "/b\u001f1", "plain text"],
      [`${batchId}:2`, `${batchId}:2`, "//4="],
      ["2", "/c\u001f2", null],
    ]);
    const [nd] = parseEvents({ body: b('{"id":"q"}'), format: "ndjson", source, batchId, receivedAt });
    expect(nd?.dedupeId).toBe("q");
  });
});

describe("locateJsonError", () => {
  it("points at the first character that breaks the grammar", () => {
    expect(locateJsonError('{"a":1}')).toBeUndefined();
    expect(locateJsonError('{"a":1,}')).toEqual({ position: 7, line: 1, column: 8 });
    expect(locateJsonError("[1,\n 2,\n tru]")?.line).toBe(3);
    expect(locateJsonError('{"a" 1}')?.position).toBe(5);
    expect(locateJsonError('"bad \\q escape"')?.position).toBe(6);
    expect(locateJsonError('"\\u12G4"')?.position).toBe(3);
    expect(locateJsonError('"tab\there"')?.position).toBe(4);
    expect(locateJsonError("[1] 2")?.position).toBe(4);
    expect(locateJsonError("[01]")?.position).toBe(2);
    expect(locateJsonError('{"a":[true,false,null,-1.5e3,"x",{}]}')).toBeUndefined();
    expect(locateJsonError('{"a":')?.position).toBe(5);
    expect(locateJsonError('"open')?.position).toBe(5);
  });
});
