import { LANDING_EVENTS_QUEUE, PgCatalog, S3ObjectStore } from "@inlet/lake-core";
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
      INLET_SOURCE_MAX_BACKLOG_BYTES: "3000",
      INLET_MAX_QUEUE_BACKLOG_BYTES: "50000",
    },
    // Admission figures read for every notification, so each answer follows the catalog at once.
    { register: dataPlaneRoutes({ admission: { refreshMs: 0, staleMs: 0 } }) },
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
    for (const m of got) await queue.ack(LANDING_EVENTS_QUEUE, m);
  });

  it("leave out a record whose key is not URL-encoded as S3 encodes keys, and queue the others", async () => {
    const url = "/v1/landing/s3-events";
    const both = notification("inlet/landing/orders/%E0%A4%A.ndjson");
    both.Records.push(notification("inlet/landing/orders/b+c%C3%A9.ndjson").Records[0]!);
    const res = await s.app.inject({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: both,
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ queued: 1 });
    const got = await s.queue.receive(LANDING_EVENTS_QUEUE, { max: 10, waitMs: 0 });
    expect(got.map((m) => m.body.key)).toEqual(["landing/orders/b cé.ndjson"]);
    for (const m of got) await s.queue.ack(LANDING_EVENTS_QUEUE, m);
  });

  it("take MinIO's event names and SNS envelopes, with the token as a Basic password", async () => {
    const url = "/v1/landing/s3-events";
    const basic = `Basic ${Buffer.from(`sns:${TOKEN}`).toString("base64")}`;
    const minio = notification("inlet/landing/orders/m.ndjson");
    minio.Records[0]!.eventName = "s3:ObjectCreated:Put";
    const fromMinio = await s.app.inject({
      method: "POST",
      url,
      headers: { authorization: basic },
      payload: minio,
    });
    expect(fromMinio.json()).toEqual({ queued: 1 });
    // SNS posts its envelope as text/plain, the S3 notification as a string inside it.
    const sns = (body: unknown) =>
      s.app.inject({
        method: "POST",
        url,
        headers: { authorization: basic, "content-type": "text/plain; charset=UTF-8" },
        payload: JSON.stringify(body),
      });
    const confirm = await sns({
      Type: "SubscriptionConfirmation",
      TopicArn: "arn:aws:sns:us-east-1:1:lake",
      SubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t",
    });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.json()).toMatchObject({
      confirmed: false,
      subscribeUrl: expect.stringContaining("Confirm"),
    });
    const test = await sns({ Type: "Notification", Message: JSON.stringify({ Event: "s3:TestEvent" }) });
    expect(test.json()).toEqual({ queued: 0 });
    const wrapped = await sns({
      Type: "Notification",
      Message: JSON.stringify(notification("inlet/landing/orders/s.ndjson")),
    });
    expect(wrapped.statusCode).toBe(202);
    expect(wrapped.json()).toEqual({ queued: 1 });
    const wrong = await s.app.inject({
      method: "POST",
      url,
      headers: { authorization: `Basic ${Buffer.from("sns:nope").toString("base64")}` },
      payload: minio,
    });
    expect(wrong.statusCode).toBe(401);
    const got = await s.queue.receive(LANDING_EVENTS_QUEUE, { max: 10, waitMs: 0 });
    expect(got.map((m) => m.body.key).sort()).toEqual(["landing/orders/m.ndjson", "landing/orders/s.ndjson"]);
    for (const m of got) await s.queue.ack(LANDING_EVENTS_QUEUE, m);
  });

  it("are queued whatever the backlog: the worker, not the sender, holds a file of a source over its bound", async () => {
    const url = "/v1/landing/s3-events";
    const prisma = s.database.db.prisma;
    const busy = await prisma.source.create({ data: { slug: "busy", name: "busy", kind: "file" } });
    const catalog = new PgCatalog(s.database.db);
    // Over the source's bound (3,000 bytes) and the server's (50,000): a request would be refused now.
    await catalog.registerBatch({
      id: "busy-1",
      sourceId: busy.id,
      rawKey: "raw/busy-1",
      origin: "http",
      eventCount: 1,
      bytes: 60_000,
    });
    const announced = await s.app.inject({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: notification("inlet/landing/busy/a.ndjson"),
    });
    expect(announced.statusCode).toBe(202);
    expect(announced.json()).toEqual({ queued: 1 });
    const got = await s.queue.receive(LANDING_EVENTS_QUEUE, { max: 10, waitMs: 0 });
    expect(got.map((m) => m.body.key)).toEqual(["landing/busy/a.ndjson"]);
    for (const m of got) await s.queue.ack(LANDING_EVENTS_QUEUE, m);
    await catalog.markBatchesFailed(["busy-1"]);
  });
});
