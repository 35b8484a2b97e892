import { Ajv2020 } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { InletError } from "../errors";
import { readSampleRecords } from "./sample-records";
import { payloadColumns } from "./schema-columns";
import {
  type InferredSchema,
  inferSchema,
  MAX_SAMPLE_BYTES,
  MAX_SAMPLE_ROWS,
  type SampleKind,
} from "./schema-inference";
import { unstorableValue, validatorFor } from "./schema-validator";

let versions = 0;

function nextVersionId(): string {
  versions += 1;
  return `inferred-${versions}`;
}

/**
 * Infers the schema and checks it the way the product will use it: AJV 2020 in strict mode accepts it,
 * the pipeline's validator passes every row of the sample, and no row holds a value its columns cannot.
 */
function inferChecked(sample: string, kind?: SampleKind): InferredSchema {
  const result = inferSchema(sample, kind);
  const strict = new Ajv2020({ strict: true, allowUnionTypes: true });
  addFormats(strict);
  const strictValidate = strict.compile(result.schema);
  const validate = validatorFor(nextVersionId(), result.schema);
  const columns = payloadColumns(result.schema);
  const { records } = readSampleRecords(sample, kind);
  expect(records).toHaveLength(result.rows);
  records.forEach((record, row) => {
    // Messages name the row rather than print it: a row may be nested too deep for JSON.stringify.
    expect(validate(record), `row ${row + 1}`).toBeUndefined();
    expect(strictValidate(record), `row ${row + 1}: ${JSON.stringify(strictValidate.errors)}`).toBe(true);
    expect(unstorableValue(record, columns), `row ${row + 1}`).toBeUndefined();
  });
  return result;
}

function ndjson(...rows: unknown[]): string {
  return `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
}

function refusal(sample: string, kind?: SampleKind): InletError {
  try {
    inferSchema(sample, kind);
  } catch (err) {
    expect(err).toBeInstanceOf(InletError);
    expect((err as InletError).code).toBe("BAD_REQUEST");
    return err as InletError;
  }
  throw new Error("the sample was accepted");
}

function props(result: InferredSchema): Record<string, Record<string, unknown>> {
  return result.schema.properties as Record<string, Record<string, unknown>>;
}

const ORDERS = ndjson(
  {
    id: "ord_1001",
    placed_at: "2024-05-01T09:15:00Z",
    status: "paid",
    total: 59.9,
    currency: "EUR",
    customer: { id: "cus_1", email: "ana@example.com", name: "Ana Lima", vip: true },
    lines: [
      { sku: "TEE-BLK-M", qty: 2, unit_price: 19.95 },
      { sku: "CAP-RED", qty: 1, unit_price: 20 },
    ],
  },
  {
    id: "ord_1002",
    placed_at: "2024-05-01T09:17:42.120+02:00",
    status: "pending",
    total: 20,
    currency: "EUR",
    customer: { id: "cus_2", email: "bo@example.org", name: "Bo Chen" },
    lines: [{ sku: "CAP-RED", qty: 1, unit_price: 20, discount: { code: "SPRING", pct: 10 } }],
    note: "leave at the door",
  },
  {
    id: "ord_1003",
    placed_at: "2024-05-02T18:03:11Z",
    status: "refunded",
    total: 0,
    currency: "EUR",
    customer: { id: "cus_1", email: "ana@example.com", name: "Ana Lima", vip: true },
    lines: [],
  },
);

describe("inferring a schema from realistic samples", () => {
  it("describes orders with a nested customer and line items merged into one object schema", () => {
    const result = inferChecked(ORDERS);
    expect(result).toMatchObject({ format: "ndjson", rows: 3 });
    expect(result.schema).toEqual({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        id: { type: "string" },
        placed_at: { type: "string", format: "date-time" },
        status: { type: "string" },
        total: { type: "number" },
        currency: { type: "string" },
        customer: {
          type: "object",
          properties: {
            id: { type: "string" },
            email: { type: "string", format: "email" },
            name: { type: "string" },
            vip: { type: "boolean" },
          },
          required: ["id", "email", "name"],
        },
        lines: {
          type: "array",
          items: {
            type: "object",
            properties: {
              sku: { type: "string" },
              qty: { type: "integer" },
              unit_price: { type: "number" },
              discount: {
                type: "object",
                properties: { code: { type: "string" }, pct: { type: "integer" } },
                required: ["code", "pct"],
              },
            },
            required: ["sku", "qty", "unit_price"],
          },
        },
        note: { type: "string" },
      },
      required: ["id", "placed_at", "status", "total", "currency", "customer", "lines"],
    });
    expect(result.suggestions).toEqual({ idField: "id", timeField: "placed_at" });
  });

  it("gives the curated table sensible columns: timestamps, doubles, and JSON for nested values", () => {
    expect(payloadColumns(inferChecked(ORDERS).schema)).toEqual([
      { name: "id", type: "VARCHAR" },
      { name: "placed_at", type: "TIMESTAMPTZ" },
      { name: "status", type: "VARCHAR" },
      { name: "total", type: "DOUBLE" },
      { name: "currency", type: "VARCHAR" },
      { name: "customer", type: "JSON" },
      { name: "lines", type: "JSON" },
      { name: "note", type: "VARCHAR" },
    ]);
  });

  it("makes fields that are sometimes null nullable and fields that are sometimes absent optional", () => {
    const clicks = ndjson(
      {
        event_id: "7d444840-9dc0-11d1-b245-5ffdce74fad2",
        timestamp: "2024-05-01T09:00:00.123Z",
        ts: 1714554000123,
        type: "page_view",
        user_id: null,
        session: "s-1",
        url: "https://shop.example.com/",
        referrer: "https://www.google.com/search?q=tee",
        viewport: { w: 1280, h: 800 },
      },
      {
        event_id: "8E2A7C1D-4B3F-4E5A-9C6D-0F1E2D3C4B5A",
        timestamp: "2024-05-01T09:00:04.870Z",
        ts: 1714554004870,
        type: "click",
        user_id: "u_42",
        session: "s-1",
        url: "https://shop.example.com/p/tee",
        referrer: null,
        target: "#buy",
        viewport: { w: 1280, h: 800, dark: true },
      },
      {
        event_id: "0b7f9a52-1c3e-4d2a-8f6b-5e4d3c2b1a09",
        timestamp: "2024-05-01T09:01:10Z",
        ts: 1714554070000,
        type: "page_view",
        session: "s-2",
        url: "https://shop.example.com/cart",
        viewport: { w: 390, h: 844 },
      },
    );
    const result = inferChecked(clicks);
    const p = props(result);
    expect(p.event_id).toEqual({ type: "string", format: "uuid" });
    expect(p.user_id).toEqual({ type: ["string", "null"] });
    expect(p.referrer).toEqual({ type: ["string", "null"], format: "uri" });
    expect(p.target).toEqual({ type: "string" });
    expect(p.url).toEqual({ type: "string", format: "uri" });
    expect(p.viewport).toEqual({
      type: "object",
      properties: { w: { type: "integer" }, h: { type: "integer" }, dark: { type: "boolean" } },
      required: ["w", "h"],
    });
    expect(result.schema.required).toEqual([
      "event_id",
      "timestamp",
      "ts",
      "type",
      "session",
      "url",
      "viewport",
    ]);
    expect(result.suggestions).toEqual({ idField: "event_id", timeField: "timestamp" });
    expect(payloadColumns(result.schema).find((c) => c.name === "user_id")).toEqual({
      name: "user_id",
      type: "VARCHAR",
    });
  });

  it("widens a field with integers and fractions to number, and keeps a field of integers integer", () => {
    const result = inferChecked(
      ndjson(
        { qty: 1, price: 10, ratio: 0.5 },
        { qty: 3, price: 12.5, ratio: 1 },
        { qty: -2, price: 0, ratio: 2 },
      ),
    );
    expect(props(result)).toEqual({
      qty: { type: "integer" },
      price: { type: "number" },
      ratio: { type: "number" },
    });
    expect(payloadColumns(result.schema)).toEqual([
      { name: "qty", type: "BIGINT" },
      { name: "price", type: "DOUBLE" },
      { name: "ratio", type: "DOUBLE" },
    ]);
  });

  it("keeps whole numbers written as decimals (Python's 10.0) numbers, wherever they sit", () => {
    const sample = [
      '{"price": 10.0, "version": "1.0", "lines": [{"weight": 2.5e1, "qty": 1}], "geo": {"lat": -0.0}}',
      '{"price": 3, "version": "2.0", "lines": [], "geo": {"lat": 1}}',
    ].join("\n");
    expect(props(inferChecked(sample))).toEqual({
      price: { type: "number" },
      version: { type: "string" },
      lines: {
        type: "array",
        items: {
          type: "object",
          properties: { weight: { type: "number" }, qty: { type: "integer" } },
          required: ["weight", "qty"],
        },
      },
      geo: { type: "object", properties: { lat: { type: "number" } }, required: ["lat"] },
    });
    expect(props(inferChecked('[{"a": {"k": [1.0, 2]}}, {"a": {}}]')).a).toEqual({
      type: "object",
      properties: { k: { type: "array", items: { type: "number" } } },
    });
    expect(props(inferChecked("price,qty\n20.00,1\n15.00,2\n"))).toEqual({
      price: { type: "number" },
      qty: { type: "integer" },
    });
  });

  it("gives a field of mixed scalar kinds a type union, stored as a JSON column", () => {
    const result = inferChecked(
      ndjson({ code: 200, flag: true }, { code: "E42", flag: "yes" }, { code: null, flag: false }),
    );
    expect(props(result)).toEqual({
      code: { type: ["string", "integer", "null"] },
      flag: { type: ["string", "boolean"] },
    });
    expect(payloadColumns(result.schema)).toEqual([
      { name: "code", type: "JSON" },
      { name: "flag", type: "JSON" },
    ]);
  });

  it("tells RFC 3339 date-times from dates and keeps other time-like text a plain string", () => {
    const result = inferChecked(
      ndjson(
        {
          at: "2024-05-01T10:00:00Z",
          day: "2024-05-01",
          either: "2024-05-01",
          local: "2024-05-01T10:00:00",
          leap: "2016-12-31T23:59:60Z",
          impossible: "2024-02-30",
          spaced: "2024-05-01 10:00:00+02:00",
        },
        {
          at: "2024-05-01t10:00:00.5-03:30",
          day: "2024-02-29",
          either: "2024-05-01T10:00:00Z",
          local: "2024-05-01T11:00:00",
          leap: "2016-12-31T23:59:59Z",
          impossible: "2024-02-28",
          spaced: "2024-05-01 11:00:00Z",
        },
      ),
    );
    expect(props(result)).toEqual({
      at: { type: "string", format: "date-time" },
      day: { type: "string", format: "date" },
      either: { type: "string" },
      // RFC 3339 requires a zone; a timestamp column would have to guess one.
      local: { type: "string" },
      // A timestamp column cannot hold a leap second.
      leap: { type: "string" },
      impossible: { type: "string" },
      spaced: { type: "string", format: "date-time" },
    });
    const types = Object.fromEntries(payloadColumns(result.schema).map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      at: "TIMESTAMPTZ",
      spaced: "TIMESTAMPTZ",
      day: "VARCHAR",
      local: "VARCHAR",
    });
  });

  it("keeps epoch milliseconds a number and suggests it as the time field only by its name", () => {
    const result = inferChecked(
      ndjson({ id: 1, ts: 1714554000123, amount: 3 }, { id: 2, ts: 1714554000999, amount: 4 }),
    );
    expect(props(result).ts).toEqual({ type: "integer" });
    expect(result.suggestions).toEqual({ idField: "id", timeField: "ts" });
    const unnamed = inferChecked(
      ndjson({ id: 1, when_ms: 1714554000123 }, { id: 2, when_ms: 1714554000999 }),
    );
    expect(unnamed.suggestions).toEqual({ idField: "id" });
  });

  it("reads booleans, uuids, emails and URLs, and drops a format one value does not have", () => {
    const result = inferChecked(
      ndjson(
        {
          active: true,
          uid: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
          email: "ana.lima+news@example.com",
          contact: "ana@example.com",
          site: "https://example.com/a?b=c",
        },
        {
          active: false,
          uid: "F47AC10B-58CC-4372-A567-0E02B2C3D480",
          email: "bo@sub.example.org",
          contact: "call me maybe",
          site: "ftp://files.example.com/x.csv",
        },
      ),
    );
    expect(props(result)).toEqual({
      active: { type: "boolean" },
      uid: { type: "string", format: "uuid" },
      email: { type: "string", format: "email" },
      contact: { type: "string" },
      site: { type: "string", format: "uri" },
    });
  });

  it("describes arrays of scalars, arrays that were always empty and arrays of mixed items", () => {
    const result = inferChecked(
      ndjson(
        { tags: ["a", "b"], none: [], mixed: [1, "two", { three: 3 }], matrix: [[1, 2], [3.5]] },
        { tags: [], none: [], mixed: [null, { three: 4, four: true }], matrix: [] },
      ),
    );
    expect(props(result)).toEqual({
      tags: { type: "array", items: { type: "string" } },
      none: { type: "array" },
      mixed: {
        type: "array",
        items: {
          type: ["string", "integer", "object", "null"],
          properties: { three: { type: "integer" }, four: { type: "boolean" } },
          required: ["three"],
        },
      },
      matrix: { type: "array", items: { type: "array", items: { type: "number" } } },
    });
  });

  it("puts no constraint on a field that was null in every row", () => {
    const result = inferChecked(ndjson({ a: 1, coupon: null }, { a: 2, coupon: null }));
    expect(props(result).coupon).toEqual({});
    expect(result.schema.required).toEqual(["a"]);
  });

  it("keeps fields named like Object.prototype members as fields", () => {
    const sample = '{"__proto__": {"x": 1}, "constructor": "c", "toString": 2}\n';
    const result = inferChecked(sample);
    expect(Object.keys(props(result))).toEqual(["__proto__", "constructor", "toString"]);
    expect(Object.hasOwn(props(result), "__proto__")).toBe(true);
    expect(result.schema.required).toEqual(["__proto__", "constructor", "toString"]);
  });

  it("survives nesting far deeper than it describes", () => {
    const deep = `{"a": ${"[".repeat(5000)}1${"]".repeat(5000)}, "b": ${'{"c":'.repeat(5000)}1${"}".repeat(5000)}}`;
    const result = inferChecked(deep);
    expect(props(result).a).toMatchObject({ type: "array" });
    expect(props(result).b).toMatchObject({ type: "object" });
  });
});

describe("reading a CSV export", () => {
  const EXPORT = [
    "order_id,customer,email,amount,quantity,paid,placed_at,ship_date,coupon,zip",
    '1001,"Lima, Ana",ana@example.com,59.90,2,TRUE,2024-05-01T09:15:00Z,2024-05-03,,02134',
    "1002,Bo Chen,bo@example.org,20,1,FALSE,2024-05-01T09:17:42Z,,SPRING,10001",
    '1003,"Chen ""Li""",li@example.net,7.5,,true,2024-05-02T18:03:11+02:00,2024-05-04,,94105',
    "",
  ].join("\r\n");

  it("types each column from its cells' text and reads an empty cell as null", () => {
    const result = inferChecked(EXPORT);
    expect(result).toMatchObject({ format: "csv", rows: 3 });
    expect(props(result)).toEqual({
      order_id: { type: "integer" },
      customer: { type: "string" },
      email: { type: "string", format: "email" },
      amount: { type: "number" },
      quantity: { type: ["integer", "null"] },
      paid: { type: "boolean" },
      placed_at: { type: "string", format: "date-time" },
      ship_date: { type: ["string", "null"], format: "date" },
      coupon: { type: ["string", "null"] },
      // Leading zeros make a code, not a number.
      zip: { type: "string" },
    });
    expect(result.schema.required).toEqual([
      "order_id",
      "customer",
      "email",
      "amount",
      "paid",
      "placed_at",
      "zip",
    ]);
    expect(result.suggestions).toEqual({ timeField: "placed_at" });
    expect(readSampleRecords(EXPORT).records[2]).toMatchObject({ customer: 'Chen "Li"', quantity: null });
  });

  it("maps the CSV columns to table columns", () => {
    const types = Object.fromEntries(
      payloadColumns(inferChecked(EXPORT).schema).map((c) => [c.name, c.type]),
    );
    expect(types).toEqual({
      order_id: "BIGINT",
      customer: "VARCHAR",
      email: "VARCHAR",
      amount: "DOUBLE",
      quantity: "BIGINT",
      paid: "BOOLEAN",
      placed_at: "TIMESTAMPTZ",
      ship_date: "VARCHAR",
      coupon: "VARCHAR",
      zip: "VARCHAR",
    });
  });

  it("makes a column whose cells are of different kinds a string column", () => {
    const result = inferChecked("sku,size,big\nA1,10,1\nA2,XL,99999999999999999999\n");
    expect(props(result)).toEqual({
      sku: { type: "string" },
      size: { type: "string" },
      big: { type: "string" },
    });
    expect(readSampleRecords("sku,size\nA1,10\nA2,XL\n").records[0]).toEqual({ sku: "A1", size: "10" });
  });

  it("finds a semicolon or tab delimiter from the header", () => {
    expect(props(inferChecked("id;price;label\n1;2,5;a\n2;3;b\n"))).toEqual({
      id: { type: "integer" },
      price: { type: "string" },
      label: { type: "string" },
    });
    expect(inferChecked("id\tname\n1\tAna\n").rows).toBe(1);
  });

  it("accepts a single-column CSV whose header is a column name", () => {
    const result = inferChecked("email\nana@example.com\nbo@example.org\n");
    expect(result).toMatchObject({ format: "csv", rows: 2 });
    expect(props(result)).toEqual({ email: { type: "string", format: "email" } });
  });
});

describe("telling the sample's format", () => {
  it("reads a JSON array of objects", () => {
    const result = inferChecked('[\n  {"id": 1, "name": "a"},\n  {"id": 2}\n]');
    expect(result).toMatchObject({ format: "json-array", rows: 2, suggestions: { idField: "id" } });
    expect(result.schema.required).toEqual(["id"]);
  });

  it("reads a single pretty-printed JSON object", () => {
    const result = inferChecked('{\n  "id": "e-1",\n  "time": "2024-05-01T10:00:00Z",\n  "ok": true\n}\n');
    expect(result).toMatchObject({
      format: "json",
      rows: 1,
      suggestions: { idField: "id", timeField: "time" },
    });
  });

  it("reads NDJSON with CRLF line endings, a byte order mark and a blank trailing line", () => {
    const sample = '\uFEFF{"id":1,"v":"a"}\r\n{"id":2,"v":"b"}\r\n\r\n  \r\n';
    const result = inferChecked(sample);
    expect(result).toMatchObject({ format: "ndjson", rows: 2 });
    expect(props(result)).toEqual({ id: { type: "integer" }, v: { type: "string" } });
  });

  it("follows a declared kind", () => {
    expect(inferChecked('{"a":1}\n', "ndjson").format).toBe("ndjson");
    expect(inferChecked('[{"a":1}]', "json").format).toBe("json-array");
    expect(inferChecked('{"a":1}', "json").format).toBe("json");
    expect(inferChecked("a,b\n1,2\n", "csv").format).toBe("csv");
    expect(inferChecked("value\n1\n", "csv").format).toBe("csv");
    expect(refusal('{"a":1}', "json-array").message).toBe(
      "sample is an object; expected a JSON array of objects",
    );
    expect(refusal('{"a":1}\n{"a":2}\n', "json").message).toBe(
      'sample is not valid JSON: line 2, column 1: unexpected "{"; it looks like NDJSON (one object per line): declare it as ndjson or leave the kind out',
    );
  });
});

describe("refusing samples it cannot read", () => {
  it("names the line and the problem of a malformed NDJSON line", () => {
    const err = refusal('{"id":1}\n{"id":2}\n{"id":3, "name": "x}\n{"id":4}\n');
    expect(err.message).toBe(
      "NDJSON line 3 is not valid JSON: column 21: the line ends before the JSON value is complete",
    );
    expect(err.details).toEqual({ line: 3 });
    expect(refusal('{"id":1}\n{"id": tru}\n').message).toBe(
      'NDJSON line 2 is not valid JSON: column 8: unexpected "t"',
    );
  });

  it("names a line that is valid JSON but not an object", () => {
    expect(refusal('{"id":1}\n\n[1,2]\n').message).toBe(
      "NDJSON line 3 is an array; every line must be a JSON object",
    );
  });

  it("names the line and column of a syntax error in one JSON document", () => {
    expect(refusal('{\n  "id": 1,\n  "name": x\n}').message).toBe(
      'sample is not valid JSON: line 3, column 11: unexpected "x"',
    );
    expect(refusal('[\n {"a": 1},\n {"a": 2},\n]').message).toBe(
      'sample is not valid JSON: line 4, column 1: unexpected "]"',
    );
  });

  it("names an array element that is not an object", () => {
    expect(refusal('[\n  {"a": 1},\n  "b"\n]').message).toBe(
      "element 2 of the JSON array (line 3) is a string; every element must be a JSON object",
    );
    expect(refusal("[]").message).toBe("sample is an empty JSON array: it needs at least one object");
    expect(refusal("42").message).toBe(
      "sample is a number; expected JSON objects (NDJSON, an array or one object) or CSV",
    );
  });

  it("refuses an empty sample", () => {
    for (const sample of ["", "   \n\r\n\t", "\uFEFF"])
      expect(refusal(sample).message).toBe("sample is empty");
    expect(refusal("", "csv").message).toBe("sample is empty");
  });

  it("refuses a sample over the size limit and says what the limit is", () => {
    const row = `${JSON.stringify({ id: "x", pad: "y".repeat(1000) })}\n`;
    const sample = row.repeat(Math.ceil((MAX_SAMPLE_BYTES + 1) / row.length));
    const err = refusal(sample);
    expect(MAX_SAMPLE_BYTES).toBe(5 * 1024 * 1024);
    expect(err.message).toMatch(
      /^sample is 5\.\d\d MB \([\d,]+ bytes\), over the limit of 5 MB \(5,242,880 bytes\)$/,
    );
    expect(err.details).toMatchObject({ limit: MAX_SAMPLE_BYTES });
  });

  it("refuses a sample over the row limit in every format", () => {
    expect(MAX_SAMPLE_ROWS).toBe(10_000);
    const message = "sample has more than 10,000 rows, the limit for a sample; send its first 10,000 rows";
    const rows = Array.from({ length: MAX_SAMPLE_ROWS + 1 }, (_, i) => ({ i }));
    expect(refusal(ndjson(...rows)).message).toBe(message);
    expect(refusal(JSON.stringify(rows)).message).toBe(message);
    expect(refusal(`i\n${rows.map((r) => r.i).join("\n")}\n`).message).toBe(message);
    expect(inferChecked(ndjson(...rows.slice(0, MAX_SAMPLE_ROWS))).rows).toBe(MAX_SAMPLE_ROWS);
  });

  it("says so when the text is neither JSON nor CSV", () => {
    expect(refusal("Hello team\nhere is the data you asked for\n").message).toBe(
      'sample is neither JSON nor CSV: it does not start with "{" or "[", and its first line is neither a CSV header with delimiters nor a single column name',
    );
    expect(refusal('<?xml version="1.0"?>\n<orders><order id="1"/></orders>').message).toBe(
      'sample is neither JSON nor CSV: it does not start with "{" or "[", and its first line cannot be read as a CSV header',
    );
    expect(refusal("orders").message).toBe(
      'sample is neither JSON nor CSV: it does not start with "{" or "[", and it is a single word without data rows',
    );
  });

  it("names the line of a malformed CSV row and the problem with a header", () => {
    expect(refusal("id,name\n1,Ana\n2,Bo,extra\n").message).toBe(
      "CSV line 3 has 3 fields where the header has 2",
    );
    expect(refusal('id,name\n1,"Ana\n2,Bo\n').message).toBe(
      "CSV line 2: a quote opens a field that is never closed",
    );
    expect(refusal("id,name,id\n1,a,2\n").message).toBe(
      'CSV header names column "id" twice (columns 1 and 3)',
    );
    expect(refusal("id,,name\n1,2,3\n").message).toBe("CSV header: column 2 has no name");
    expect(refusal("id,name\n").message).toBe("CSV sample has a header row (id, name) but no data rows");
    expect(refusal("1,2\n3,4\n").message).toBe(
      "CSV needs a header row: the first line (1, 2) holds only numbers, which look like data",
    );
  });
});

describe("suggesting the id and time fields", () => {
  it("prefers a date-time field to epoch milliseconds and an event id to a plain id", () => {
    const result = inferChecked(
      ndjson(
        { id: 7, eventId: "e-1", ts: 1714554000123, created_at: "2024-05-01T09:00:00Z" },
        { id: 8, eventId: "e-2", ts: 1714554000999, created_at: "2024-05-01T09:00:01Z" },
      ),
    );
    expect(result.suggestions).toEqual({ idField: "eventId", timeField: "created_at" });
  });

  it("does not suggest an id that repeats, is missing, or is not a string or safe integer", () => {
    const suggest = (...rows: unknown[]) => inferChecked(ndjson(...rows)).suggestions.idField;
    expect(suggest({ id: "a" }, { id: "a" })).toBeUndefined();
    expect(suggest({ id: 1 }, { id: "1" })).toBeUndefined();
    expect(suggest({ id: "a" }, { other: 1 })).toBeUndefined();
    expect(suggest({ id: "a" }, { id: null })).toBeUndefined();
    expect(suggest({ id: 1.5 }, { id: 2.5 })).toBeUndefined();
    expect(suggest({ id: "" }, { id: "b" })).toBeUndefined();
    expect(suggest({ id: 1, _id: "x" }, { id: 1, _id: "y" })).toBe("_id");
    expect(suggest({ uuid: "u1" }, { uuid: "u2" })).toBe("uuid");
  });

  it("does not take epoch seconds for a time ingest would read as milliseconds", () => {
    const result = inferChecked(ndjson({ timestamp: 1714554000 }, { timestamp: 1714554001 }));
    expect(result.suggestions).toEqual({});
  });

  it("suggests fields of nested objects as dotted paths", () => {
    const result = inferChecked(
      ndjson(
        { meta: { event_id: "m-1", occurred_at: "2024-05-01T09:00:00Z" }, data: { id: 1 } },
        { meta: { event_id: "m-2", occurred_at: "2024-05-01T09:00:01Z" }, data: { id: 1 } },
      ),
    );
    expect(result.suggestions).toEqual({ idField: "meta.event_id", timeField: "meta.occurred_at" });
  });

  it("falls back to a date-only time field", () => {
    const result = inferChecked(ndjson({ time: "2024-05-01" }, { time: "2024-05-02" }));
    expect(result.suggestions).toEqual({ timeField: "time" });
  });
});

/** Small, seeded and deterministic: a failure reproduces. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AWKWARD_STRINGS = [
  "",
  "2024-05-01T10:00:00Z",
  "2024-05-01t10:00:00z",
  "2016-12-31T23:59:60Z",
  "2024-05-01T10:00:00+0200",
  "2024-05-01\t10:00:00Z",
  "0000-01-01T00:00:00Z",
  "2024-02-30",
  "2024-05-01",
  "urn:uuid:f47ac10b-58cc-4372-a567-0e02b2c3d479",
  "f47ac10b-58cc-4372-a567-0e02b2c3d479",
  "a@b",
  "ana@example.com",
  ".ana@example.com",
  "http://[::1",
  "http://user@host.example/x",
  "https://example.com/ space",
  "mailto:ana@example.com",
  "\u0000",
  "é 漢字 🙂",
];
const AWKWARD_NUMBERS = [0, -0, 1, -1, 1.5, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e300, 5e-324, 1714554000123];
// Not "constructor" or "__proto__": the pipeline's AJV reads a declared property an event lacks through the
// prototype chain (no `ownProperties` option), so such a schema refuses events without that field.
const KEYS = ["id", "ts", "time", "v", "w", "a.b", "Id", "ID", "é", ""];

function generatedValue(rnd: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const r = rnd();
  if (depth < 3 && r < 0.12)
    return Array.from({ length: Math.floor(rnd() * 4) }, () => generatedValue(rnd, depth + 1));
  if (depth < 3 && r < 0.24) return generatedObject(rnd, depth + 1);
  if (r < 0.55) return pick(AWKWARD_STRINGS);
  if (r < 0.85) return pick(AWKWARD_NUMBERS);
  if (r < 0.93) return rnd() < 0.5;
  return null;
}

function generatedObject(rnd: () => number, depth: number): Record<string, unknown> {
  const entries = KEYS.filter(() => rnd() < 0.4).map((k) => [k, generatedValue(rnd, depth)]);
  return Object.fromEntries(entries);
}

describe("generated samples", () => {
  // Each check compiles the schema twice (about 30 ms), so the sample counts stay small.
  it("infers a schema every generated row satisfies, in NDJSON and as a JSON array", () => {
    const rnd = seeded(20240501);
    for (let sample = 0; sample < 30; sample += 1) {
      const rows = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => generatedObject(rnd, 0));
      if (sample % 2 === 0) inferChecked(ndjson(...rows));
      else inferChecked(JSON.stringify(rows), "json-array");
    }
  });

  it("infers a schema every generated CSV row satisfies", () => {
    const rnd = seeded(7);
    const cells = [
      "",
      "1",
      "-0",
      "007",
      "1.5",
      "1e3",
      "TRUE",
      "false",
      "x",
      '"a,b"',
      "2024-05-01",
      "99999999999999999999",
    ];
    for (let sample = 0; sample < 20; sample += 1) {
      const width = 1 + Math.floor(rnd() * 5);
      const header = Array.from({ length: width }, (_, i) => `c${i}`).join(",");
      const lines = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () =>
        Array.from({ length: width }, () => cells[Math.floor(rnd() * cells.length)]).join(","),
      );
      inferChecked(`${header}\n${lines.join("\n")}\n`, "csv");
    }
  });
});
