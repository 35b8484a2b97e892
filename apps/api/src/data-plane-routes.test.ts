import { LANDING_EVENTS_QUEUE, S3ObjectStore } from "@inlet/lake-core";
import { type S3rverHandle, startS3rver } from "@inlet/lake-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataPlaneRoutes } from "./data-plane-routes";
import { startTestServer, type TestServer } from "./testing/test-server";

const TOKEN = "s3-events-token-0123456789";
let s3: S3rverHandle;
let s: TestServer;

beforeAll(async () => {
  s3 = await startS3rver({ bucket: "lake" });
  s = await startTestServer(
    {
      INLET_S3_EVENTS_TOKEN: TOKEN,
      INLET_LAKE_URL: s3.storeUrl("inlet"),
      INLET_S3_ENDPOINT: s3.endpoint,
      INLET_S3_FORCE_PATH_STYLE: "true",
    },
    { register: dataPlaneRoutes() },
    new S3ObjectStore(s3.storeUrl("inlet"), s3.storeOptions()),
  );
});
afterAll(async () => {
  await s?.close();
  await s3?.stop();
});

function notification(key: string) {
  return {
    Records: [
      {
        eventName: "ObjectCreated:Put",
        s3: { bucket: { name: s3.bucket }, object: { key, eTag: "abc", size: 10 } },
      },
    ],
  };
}

describe("S3 event notifications", () => {
  it("queue ObjectCreated records under landing/ for the workers, with the token only", async () => {
    const url = "/v1/landing/s3-events";
    const denied = await s.app.inject({
      method: "POST",
      url,
      payload: notification("inlet/landing/orders/a.ndjson"),
    });
    expect(denied.statusCode).toBe(401);
    const res = await s.app.inject({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: notification("inlet/landing/orders/a.ndjson"),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ queued: 1 });
    const other = await s.app.inject({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: notification("inlet/curated/orders/x.parquet"),
    });
    expect(other.json()).toEqual({ queued: 0 });
    const bad = await s.app.inject({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { nope: 1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("Records");
    const queue = s.queue;
    const got = await queue.receive(LANDING_EVENTS_QUEUE, { max: 10, waitMs: 0 });
    expect(got.map((m) => m.body.key)).toEqual(["landing/orders/a.ndjson"]);
  });
});
