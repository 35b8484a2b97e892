import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { MAX_SAMPLE_BYTES } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server";

let s: TestServer;
let engineer: string;

beforeAll(async () => {
  s = await startTestServer();
  engineer = await s.tokenFor("engineer");
});
afterAll(async () => {
  await s?.close();
});

interface TrpcError {
  message: string;
  data: { code: string; httpStatus: number; issues?: { path: string; message: string }[] };
}

async function infer(input: unknown, token = engineer) {
  const res = await s.app.inject({
    method: "POST",
    url: "/trpc/sources.inferSchema",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    payload: { json: input },
  });
  const body = res.json();
  return {
    status: res.statusCode,
    data: body.result?.data.json,
    error: body.error?.json as TrpcError | undefined,
  };
}

const SAMPLE = [
  '{"event_id":"e1","occurred_at":"2026-01-02T03:04:05Z","user":{"email":"a@example.com"},"amount":10.5,"tags":["x"]}',
  '{"event_id":"e2","occurred_at":"2026-01-02T03:04:06Z","user":{"email":"b@example.com"},"amount":3,"tags":[]}',
].join("\n");

describe("sources.inferSchema", () => {
  it("infers a schema from NDJSON, with the format, the rows and the id and time fields it suggests", async () => {
    const { status, data } = await infer({ sample: SAMPLE });
    expect(status).toBe(200);
    expect(data).toMatchObject({
      format: "ndjson",
      rows: 2,
      suggestions: { idField: "event_id", timeField: "occurred_at" },
      schema: {
        type: "object",
        properties: {
          occurred_at: { type: "string", format: "date-time" },
          amount: { type: "number" },
          user: { type: "object", properties: { email: { type: "string", format: "email" } } },
        },
      },
    });
  });

  it("reads CSV with a header, or the kind it is told", async () => {
    const csv = await infer({ sample: "id,time,qty\na,2026-01-02T03:04:05Z,1\nb,2026-01-02T03:04:06Z,2\n" });
    expect(csv.data).toMatchObject({
      format: "csv",
      rows: 2,
      schema: { properties: { qty: { type: "integer" } } },
    });
    const told = await infer({ sample: '[{"id": 1}]', kind: "json-array" });
    expect(told.data).toMatchObject({ format: "json-array", rows: 1 });
  });

  it.each([
    ["an empty sample", "", /^sample is empty$/],
    ["a blank sample", "  \n\t ", /^sample is empty$/],
    ["a sample that is neither JSON nor CSV", "<html><body>Not data</body></html>", /neither JSON nor CSV/],
    [
      "prose that reads as a CSV header alone",
      "hello there, this is prose.",
      /header row .* but no data rows/,
    ],
    ["NDJSON with a broken line", '{"a":1}\n{"a":', /NDJSON line 2 is not valid JSON/],
  ])("refuses %s with a 400 naming the field sample", async (_what, sample, message) => {
    const { status, error } = await infer({ sample });
    expect(status).toBe(400);
    expect(error?.data.issues).toEqual([{ path: "sample", message: expect.stringMatching(message) }]);
  });

  it("refuses a sample over 5 MB that fits the request with a 413 naming sample and the limit", async () => {
    const row = `{"id":"${"x".repeat(90)}"}\n`;
    const sample = row.repeat(Math.ceil((MAX_SAMPLE_BYTES + 1) / row.length));
    const { status, error } = await infer({ sample });
    expect(status).toBe(413);
    expect(error?.data.issues).toEqual([
      { path: "sample", message: expect.stringMatching(/over the limit of 5 MB \(5,242,880 bytes\)/) },
    ]);
  });

  it("refuses a 50 MB sample from its Content-Length, before the body is sent, naming sample and the limit", async () => {
    await s.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = s.app.server.address() as AddressInfo;
    const length = 50 * 1024 * 1024;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/trpc/sources.inferSchema?batch=1",
          headers: {
            authorization: `Bearer ${engineer}`,
            "content-type": "application/json",
            "content-length": String(length),
          },
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => {
            resolve({ status: res.statusCode ?? 0, body });
            req.destroy();
          });
        },
      );
      req.on("error", (err) => {
        if (!("code" in err && err.code === "ECONNRESET")) reject(err);
      });
      // Only the start of the body: the answer must come without the rest.
      req.write('{"0":{"json":{"sample":"');
    });
    expect(answer.status).toBe(413);
    const [item] = JSON.parse(answer.body) as { error: { json: TrpcError } }[];
    expect(item?.error.json.data).toMatchObject({ code: "PAYLOAD_TOO_LARGE", httpStatus: 413 });
    expect(item?.error.json.data.issues).toEqual([
      {
        path: "sample",
        message:
          "sample is over the limit of 5 MB (5,242,880 bytes): the request is 50 MB (52,428,800 bytes); send the sample's first rows instead",
      },
    ]);
  });

  it("holds every other procedure to the 1 MB body limit, declared or streamed", async () => {
    const big = { json: { name: "x".repeat(1024 * 1024 + 10), slug: "big-one", schema: null } };
    const declared = await s.app.inject({
      method: "POST",
      url: "/trpc/sources.create",
      headers: { authorization: `Bearer ${engineer}`, "content-type": "application/json" },
      payload: big,
    });
    expect(declared.statusCode).toBe(413);
    expect(declared.json().error.json.message).toMatch(/over the limit of 1 MB \(1,048,576 bytes\)/);
    const { Readable } = await import("node:stream");
    const streamed = await s.app.inject({
      method: "POST",
      url: "/trpc/sources.create",
      headers: { authorization: `Bearer ${engineer}`, "content-type": "application/json" },
      payload: Readable.from([Buffer.from(JSON.stringify(big))]),
    });
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().error.json.data.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("is for engineers (and admins) only", async () => {
    const { status } = await infer({ sample: SAMPLE }, await s.tokenFor("analyst"));
    expect(status).toBe(403);
  });
});
