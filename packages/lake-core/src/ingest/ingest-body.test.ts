import { readFileSync } from "node:fs";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decompressBounded } from "./bounded-decompress";
import {
  classifyIngestRequest,
  DEFAULT_INGEST_LIMITS,
  deadLetterPayload,
  decodeIngestBody,
  type IngestBodyResult,
  type IngestRejection,
  resolveIngestLimits,
} from "./ingest-body";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const NDJSON = "application/x-ndjson";
const ce = { specversion: "1.0", id: "evt-1", type: "order.created", source: "/shop" };
const small = { maxBodyBytes: 64 * 1024, maxEventBytes: 1024, maxEventsPerBatch: 100 };

function decode(
  body: Buffer,
  contentType: string | undefined,
  opts: { encoding?: string; headers?: Record<string, string>; limits?: typeof small } = {},
): Promise<IngestBodyResult> {
  return decodeIngestBody(
    { contentType, contentEncoding: opts.encoding, headers: opts.headers ?? {}, body },
    opts.limits ?? small,
  );
}

function rejected(r: IngestBodyResult): IngestRejection {
  if (r.ok) throw new Error("expected a rejection");
  return r;
}

/** A Zstandard frame of raw and RLE blocks, built by hand to shape headers that compressors avoid. */
function zstdFrame(
  blocks: ({ raw: Buffer } | { rle: number; size: number })[],
  opts: { contentSize?: number; windowLog?: number } = {},
): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];
  const fcsFlag = opts.contentSize === undefined ? 0 : 2;
  parts.push(Buffer.from([fcsFlag << 6, ((opts.windowLog ?? 17) - 10) << 3]));
  if (opts.contentSize !== undefined) {
    const fcs = Buffer.alloc(4);
    fcs.writeUInt32LE(opts.contentSize);
    parts.push(fcs);
  }
  blocks.forEach((block, i) => {
    const last = i === blocks.length - 1 ? 1 : 0;
    const [type, size, content] =
      "raw" in block ? [0, block.raw.length, block.raw] : [1, block.size, Buffer.from([block.rle])];
    const h = (size << 3) | (type << 1) | last;
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), content);
  });
  return Buffer.concat(parts);
}

describe("limits", () => {
  it("defaults to 10 MB bodies, 1 MB events and 10,000 events per batch", () => {
    expect(resolveIngestLimits()).toEqual({
      maxBodyBytes: 10_485_760,
      maxEventBytes: 1_048_576,
      maxEventsPerBatch: 10_000,
    });
    expect(resolveIngestLimits({ maxEventBytes: 5 })).toEqual({ ...DEFAULT_INGEST_LIMITS, maxEventBytes: 5 });
  });
});

describe("classifyIngestRequest", () => {
  it("maps the three structured content types to formats, ignoring case and a UTF-8 charset", () => {
    expect(classifyIngestRequest("application/x-ndjson", undefined, {})).toEqual({
      ok: true,
      kind: { format: "ndjson", binary: false, encodings: [] },
    });
    expect(
      classifyIngestRequest("Application/CloudEvents-Batch+JSON; charset=UTF-8", "gzip", {}),
    ).toMatchObject({
      kind: { format: "cloudevents-batch", encodings: ["gzip"] },
    });
    expect(classifyIngestRequest("application/cloudevents+json", "identity", {})).toMatchObject({
      kind: { format: "cloudevents", binary: false, encodings: [] },
    });
  });

  it("treats JSON with ce-specversion as a binary-mode CloudEvent", () => {
    expect(classifyIngestRequest("application/json", undefined, { "ce-specversion": "1.0" })).toMatchObject({
      kind: { format: "cloudevents", binary: true },
    });
    expect(
      classifyIngestRequest("application/vnd.shop.order+json", undefined, { "ce-specversion": "1.0" }),
    ).toMatchObject({
      kind: { binary: true },
    });
  });

  it("refuses other media types with 415 and lists what is accepted", () => {
    const plain = rejected(classifyIngestRequest("application/json", undefined, {}) as IngestBodyResult);
    expect(plain).toMatchObject({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(plain.message).toContain("application/json is accepted only as a binary-mode CloudEvent");
    expect(plain.message).toContain(
      "Accepted: application/cloudevents-batch+json; application/cloudevents+json",
    );
    for (const [type, text] of [
      [undefined, "missing Content-Type"],
      ["text/plain", "Content-Type text/plain is not accepted"],
      ["application/x-ndjson; charset=latin1", "charset latin1 is not supported"],
    ] as const) {
      expect(rejected(classifyIngestRequest(type, undefined, {}) as IngestBodyResult).message).toContain(
        text,
      );
    }
    expect(
      rejected(
        classifyIngestRequest("text/plain", undefined, { "ce-specversion": "1.0" }) as IngestBodyResult,
      ).message,
    ).toContain("binary-mode CloudEvent data must be JSON, not text/plain");
  });

  it("refuses unknown content codings with 415", () => {
    const r = rejected(classifyIngestRequest(NDJSON, "gzip, compress", {}) as IngestBodyResult);
    expect(r).toMatchObject({ status: 415, code: "UNSUPPORTED_ENCODING" });
    expect(r.message).toBe(
      "Content-Encoding compress is not supported. Accepted: gzip, x-gzip, deflate, br, zstd, identity",
    );
  });
});

describe("decodeIngestBody", () => {
  const ndjson = fixture("orders.ndjson");

  it("accepts NDJSON and stores it byte for byte", async () => {
    const r = await decode(ndjson, NDJSON);
    expect(r).toMatchObject({ ok: true, format: "ndjson", eventCount: 50 });
    expect(r.ok && r.bytesToStore.equals(ndjson)).toBe(true);
  });

  it("decompresses gzip, deflate and br", async () => {
    for (const [encoding, body] of [
      ["gzip", gzipSync(ndjson)],
      ["x-gzip", gzipSync(ndjson)],
      ["deflate", deflateSync(ndjson)],
      ["br", brotliCompressSync(ndjson)],
    ] as const) {
      const r = await decode(body, NDJSON, { encoding });
      expect(r.ok && r.bytesToStore.equals(ndjson)).toBe(true);
    }
  });

  it("decompresses zstd written by the zstd CLI", async () => {
    const r = await decode(fixture("orders.ndjson.zst"), NDJSON, { encoding: "zstd" });
    expect(r).toMatchObject({ ok: true, eventCount: 50 });
    expect(r.ok && r.bytesToStore.equals(ndjson)).toBe(true);
  });

  it("undoes stacked codings in reverse order", async () => {
    const r = await decode(gzipSync(brotliCompressSync(ndjson)), NDJSON, { encoding: "br, gzip" });
    expect(r.ok && r.bytesToStore.equals(ndjson)).toBe(true);
  });

  it("refuses a gzip bomb with 413 and keeps nothing", async () => {
    const bomb = gzipSync(Buffer.alloc(small.maxBodyBytes + 1, 0x20));
    const r = rejected(await decode(bomb, NDJSON, { encoding: "gzip" }));
    expect(r).toMatchObject({ status: 413, code: "BODY_TOO_LARGE" });
    expect(r.message).toBe(
      "the gzip body decompresses to more than 65,536 bytes; the limit is 65,536 bytes (INLET_INGEST_MAX_BODY_BYTES). Nothing was stored: split the batch into smaller requests and send them again",
    );
    expect(r.deadLetter).toBeUndefined();
  });

  it("accepts a body that decompresses to exactly the limit", async () => {
    const line = Buffer.from(`{"pad":"${"x".repeat(1000 - 11)}"}\n`);
    const body = Buffer.concat(Array.from({ length: 64 }, () => line));
    const exact = Buffer.concat([body, Buffer.alloc(small.maxBodyBytes - body.length, 0x0a)]);
    expect(exact.length).toBe(small.maxBodyBytes);
    expect(await decode(gzipSync(exact), NDJSON, { encoding: "gzip" })).toMatchObject({
      ok: true,
      eventCount: 64,
    });
  });

  it("refuses a zstd frame that declares more content than the limit, before decoding", async () => {
    const frame = zstdFrame([{ rle: 0x20, size: 1 }], { contentSize: 50_000_000 });
    const r = rejected(await decode(frame, NDJSON, { encoding: "zstd" }));
    expect(r).toMatchObject({ status: 413, code: "BODY_TOO_LARGE" });
    expect(r.message).toContain("the zstd body declares 50,000,000 bytes of content");
  });

  it("stops a zstd stream without a declared size once it passes the limit", async () => {
    const blocks = Array.from({ length: 64 }, () => ({ rle: 0x20, size: 128 * 1024 }));
    const r = rejected(await decode(zstdFrame(blocks), NDJSON, { encoding: "zstd" }));
    expect(r).toMatchObject({ status: 413, code: "BODY_TOO_LARGE" });
    const bounded = await decompressBounded(zstdFrame(blocks), "zstd", 300_000);
    expect(bounded).toEqual({ ok: false, reason: "too-large" });
  });

  it("decodes hand-built zstd frames, several in a row, with skippable frames between", async () => {
    const a = Buffer.from('{"a":1}\n');
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]);
    const body = Buffer.concat([
      zstdFrame([{ raw: a }]),
      skippable,
      zstdFrame([{ raw: a }, { rle: 0x0a, size: 3 }]),
    ]);
    const r = await decode(body, NDJSON, { encoding: "zstd" });
    expect(r.ok && r.bytesToStore.toString()).toBe('{"a":1}\n{"a":1}\n\n\n\n');
  });

  it("refuses a zstd window larger than it will allocate with 415", async () => {
    const r = rejected(
      await decode(zstdFrame([{ raw: Buffer.from("{}") }], { windowLog: 31 }), NDJSON, { encoding: "zstd" }),
    );
    expect(r).toMatchObject({ status: 415, code: "UNSUPPORTED_ENCODING" });
    expect(r.message).toContain("window is 2147483648 bytes");
  });

  it("refuses corrupt compressed data with 400 and keeps the bytes as received", async () => {
    const junk = Buffer.from("definitely not compressed");
    for (const encoding of ["gzip", "zstd", "br"]) {
      const r = rejected(await decode(junk, NDJSON, { encoding }));
      expect(r).toMatchObject({ status: 400, code: "MALFORMED_ENCODING" });
      expect(r.message.startsWith(`${encoding}: `)).toBe(true);
      expect(r.deadLetter).toBe(junk);
    }
    const truncated = fixture("orders.ndjson.zst").subarray(0, 100);
    expect(rejected(await decode(truncated, NDJSON, { encoding: "zstd" })).code).toBe("MALFORMED_ENCODING");
    const reserved = zstdFrame([{ raw: Buffer.from("{}") }]);
    reserved[6] = 0x07;
    expect(rejected(await decode(reserved, NDJSON, { encoding: "zstd" })).message).toBe(
      "zstd: reserved block type",
    );
  });

  it("refuses a wire body over the limit with 413", async () => {
    const r = rejected(await decode(Buffer.alloc(small.maxBodyBytes + 1, 0x20), NDJSON));
    expect(r).toMatchObject({ status: 413, code: "BODY_TOO_LARGE" });
    expect(r.message).toMatch(/^the body is 65,537 bytes; the limit is 65,536 bytes/);
  });

  it("refuses malformed NDJSON with 400, the line number and the decompressed bytes to keep", async () => {
    const body = Buffer.from('{"a":1}\n{"a":2}\n{"a":}\n');
    const r = rejected(await decode(gzipSync(body), NDJSON, { encoding: "gzip" }));
    expect(r).toMatchObject({ status: 400, code: "MALFORMED_JSON", line: 3, index: 2 });
    expect(r.message).toMatch(/^line 3: /);
    expect(Buffer.from(r.deadLetter ?? []).equals(body)).toBe(true);
  });

  it("refuses an oversized event with 413 naming the limit's variable", async () => {
    const body = Buffer.from(`{"a":1}\n{"pad":"${"x".repeat(1100)}"}\n`);
    const r = rejected(await decode(body, NDJSON));
    expect(r).toMatchObject({ status: 413, code: "EVENT_TOO_LARGE", line: 2, index: 1 });
    expect(r.message).toBe(
      "line 2: the event is 1,110 bytes; the limit is 1,024 (INLET_INGEST_MAX_EVENT_BYTES)",
    );
    expect(r.deadLetter).toBe(body);
  });

  it("refuses too many events with 400 naming the limit's variable", async () => {
    const r = rejected(await decode(Buffer.from('{"a":1}\n'.repeat(101)), NDJSON));
    expect(r).toMatchObject({ status: 400, code: "BATCH_TOO_LARGE" });
    expect(r.message).toBe(
      "the batch has 101 events; the limit is 100 per request (INLET_INGEST_MAX_EVENTS)",
    );
    expect(r.deadLetter).toBeDefined();
  });

  it("refuses an empty body with 400 and nothing to keep", async () => {
    const r = rejected(await decode(Buffer.alloc(0), NDJSON));
    expect(r).toMatchObject({ status: 400, code: "EMPTY_BATCH" });
    expect(r.deadLetter).toBeUndefined();
  });

  it("accepts CloudEvents batches and single structured events", async () => {
    const batch = Buffer.from(JSON.stringify([ce, { ...ce, id: "x" }]));
    expect(await decode(batch, "application/cloudevents-batch+json")).toMatchObject({
      ok: true,
      format: "cloudevents-batch",
      eventCount: 2,
    });
    expect(await decode(Buffer.from(JSON.stringify(ce)), "application/cloudevents+json")).toMatchObject({
      ok: true,
      format: "cloudevents",
      eventCount: 1,
    });
  });

  it("refuses an invalid CloudEvent with 400 naming the attribute", async () => {
    const r = rejected(
      await decode(
        Buffer.from(JSON.stringify([ce, { ...ce, specversion: "0.3" }])),
        "application/cloudevents-batch+json",
      ),
    );
    expect(r).toMatchObject({ status: 400, code: "INVALID_CLOUDEVENT", field: "specversion", index: 1 });
    expect(r.message).toBe('event 2: "specversion" must be "1.0" (got "0.3")');
  });
});

describe("binary-mode CloudEvents", () => {
  const headers = {
    "ce-specversion": "1.0",
    "ce-id": "evt-9",
    "ce-type": "order.created",
    "ce-source": "/shop",
    "ce-time": "2024-05-01T10:00:00Z",
    "ce-traceparent": "00-abc%20def-01",
    "content-type": "application/json",
    authorization: "Bearer secret",
  };

  it("becomes one structured CloudEvent whose data keeps the body's own text", async () => {
    const r = await decode(
      Buffer.from(' {"amount": 12.50, "big": 12345678901234567890}\n'),
      "application/json",
      {
        headers,
      },
    );
    if (!r.ok) throw new Error(r.message);
    expect(r).toMatchObject({ format: "cloudevents", eventCount: 1 });
    expect(r.bytesToStore.toString()).toBe(
      '{"specversion":"1.0","id":"evt-9","type":"order.created","source":"/shop","time":"2024-05-01T10:00:00Z","traceparent":"00-abc def-01","datacontenttype":"application/json","data":{"amount": 12.50, "big": 12345678901234567890}}',
    );
  });

  it("omits data when the body is empty", async () => {
    const r = await decode(Buffer.alloc(0), "application/json", { headers });
    expect(r.ok && JSON.parse(r.bytesToStore.toString())).not.toHaveProperty("data");
    // Whatever its Content-Encoding says.
    const gz = await decode(Buffer.alloc(0), "application/json", { headers, encoding: "gzip" });
    expect(gz.ok && JSON.parse(gz.bytesToStore.toString())).toMatchObject({ id: "evt-9" });
  });

  it("keeps the attributes in the dead letter of a body that does not decompress", async () => {
    const wire = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]);
    const r = rejected(await decode(wire, "application/json", { headers, encoding: "gzip" }));
    expect(r).toMatchObject({ status: 400, code: "MALFORMED_ENCODING" });
    expect(JSON.parse(Buffer.from(r.deadLetter ?? []).toString())).toMatchObject({
      specversion: "1.0",
      id: "evt-9",
      source: "/shop",
      type: "order.created",
      data_base64: wire.toString("base64"),
    });
  });

  it("refuses missing or invalid attribute headers with 400 naming the header", async () => {
    const { "ce-type": _, ...noType } = headers;
    const r = rejected(await decode(Buffer.from("{}"), "application/json", { headers: noType }));
    expect(r).toMatchObject({ status: 400, code: "INVALID_CLOUDEVENT", field: "ce-type" });
    expect(r.message).toBe("missing required attribute header ce-type");
    // The dead letter keeps the attributes the headers did carry, and the data.
    expect(JSON.parse(Buffer.from(r.deadLetter ?? []).toString())).toEqual({
      specversion: "1.0",
      id: "evt-9",
      source: "/shop",
      time: "2024-05-01T10:00:00Z",
      traceparent: "00-abc def-01",
      datacontenttype: "application/json",
      data: {},
    });
    const badTime = rejected(
      await decode(Buffer.from("{}"), "application/json", { headers: { ...headers, "ce-time": "soon" } }),
    );
    expect(badTime.field).toBe("ce-time");
    const badName = rejected(
      await decode(Buffer.from("{}"), "application/json", { headers: { ...headers, "ce-trace_id": "1" } }),
    );
    expect(badName).toMatchObject({ code: "INVALID_CLOUDEVENT", field: "ce-trace_id" });
  });

  it("refuses a body that is not JSON with 400, keeping headers and body in the dead letter", async () => {
    const r = rejected(await decode(Buffer.from('{"a":\n}'), "application/json", { headers }));
    expect(r).toMatchObject({ status: 400, code: "MALFORMED_JSON", line: 2 });
    const letter = JSON.parse(Buffer.from(r.deadLetter ?? []).toString()) as Record<string, unknown>;
    expect(letter).toMatchObject({ id: "evt-9", type: "order.created", source: "/shop" });
    expect(Buffer.from(String(letter.data_base64), "base64").toString()).toBe('{"a":\n}');
    expect(letter).not.toHaveProperty("authorization");
  });

  it("refuses an event over the size limit with 413", async () => {
    const r = rejected(
      await decode(Buffer.from(JSON.stringify({ pad: "x".repeat(1100) })), "application/json", { headers }),
    );
    expect(r).toMatchObject({ status: 413, code: "EVENT_TOO_LARGE" });
    expect(r.message).toMatch(
      /^the event is 1,\d{3} bytes; the limit is 1,024 \(INLET_INGEST_MAX_EVENT_BYTES\)$/,
    );
  });
});

describe("deadLetterPayload", () => {
  it("keeps UTF-8 as text and anything else as base64", () => {
    expect(deadLetterPayload(Buffer.from('{"é":1}'))).toBe('{"é":1}');
    expect(deadLetterPayload(Buffer.from([0xff, 0x00]))).toBe("base64:/wA=");
    expect(deadLetterPayload(new Uint8Array([0x61, 0x00, 0x62]))).toBe("base64:YQBi");
  });
});

describe("decodeIngestBody on empty bodies and parameters", () => {
  it("takes an empty body as an empty batch whatever its encoding, keeping nothing", async () => {
    const r = rejected(await decode(Buffer.alloc(0), NDJSON, { encoding: "gzip" }));
    expect(r).toMatchObject({ status: 400, code: "EMPTY_BATCH" });
    expect(r.deadLetter).toBeUndefined();
  });

  it("says so when the charset parameter has no value", async () => {
    const r = rejected(await decode(Buffer.from("{}"), `${NDJSON}; charset`));
    expect(r.message).toMatch(/^the charset parameter has no value; send UTF-8/);
  });
});

describe("decodeIngestBody on mangled bodies", () => {
  it("answers every mutation of valid bodies with a result, never an exception, and keeps what it refuses", async () => {
    let seed = 5;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const bodies: [string, Buffer, Record<string, string>][] = [
      [
        NDJSON,
        Buffer.from(`${JSON.stringify({ id: "a", n: 1 })}\n${JSON.stringify({ id: "b", s: "é" })}\n`),
        {},
      ],
      ["application/cloudevents-batch+json", Buffer.from(JSON.stringify([{ ...ce, data: { a: [1] } }])), {}],
      ["application/cloudevents+json", Buffer.from(JSON.stringify({ ...ce, data_base64: "e30=" })), {}],
      [
        "application/json",
        Buffer.from('{"a":1}'),
        { "ce-specversion": "1.0", "ce-id": "1", "ce-type": "t", "ce-source": "/s" },
      ],
    ];
    const noise = [
      0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x0a, 0x0d, 0x2c, 0x3a, 0xff, 0xc3, 0xed, 0xa0, 0x75,
    ];
    for (let i = 0; i < 3_000; i += 1) {
      const [type, original, headers] = bodies[rand(bodies.length)]!;
      const body = Buffer.from(original);
      for (let m = 1 + rand(3); m > 0; m -= 1) body[rand(body.length)] = noise[rand(noise.length)]!;
      const encoding = ["", "gzip", "deflate"][rand(3)]!;
      const wire = encoding === "gzip" ? gzipSync(body) : encoding === "deflate" ? deflateSync(body) : body;
      if (rand(10) === 0 && wire.length > 4) {
        const at = rand(wire.length);
        wire[at] = (wire[at] ?? 0) ^ 0xff;
      }
      const r = await decode(wire, type, { encoding, headers });
      // A body that was read and refused is kept, but for an empty batch (nothing to keep).
      if (!r.ok && r.status === 400 && r.code !== "EMPTY_BATCH")
        expect(r.deadLetter, r.message).toBeDefined();
    }
  });
});
