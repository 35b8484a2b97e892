import { connect } from "node:net";
import { generateApiKey } from "@inlet/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { dataPlaneRoutes } from "./data-plane-routes";
import { startTestServer, type TestServer } from "./testing/test-server";

let s: TestServer;
let port: number;
let key: string;

beforeAll(async () => {
  s = await startTestServer({ INLET_INGEST_IDLE_TIMEOUT_MS: "1000" }, { register: dataPlaneRoutes() });
  const orders = await s.database.db.prisma.source.findUniqueOrThrow({ where: { slug: "orders" } });
  const k = generateApiKey();
  await s.database.db.prisma.apiKey.create({
    data: { sourceId: orders.id, name: "test", prefix: k.prefix, keyHash: k.hash },
  });
  key = k.key;
  await s.app.listen({ host: "127.0.0.1", port: 0 });
  const address = s.app.server.address();
  port = typeof address === "object" && address ? address.port : 0;
});
afterAll(async () => {
  await s?.close();
});

it("disconnects a producer whose body stops arriving, and stores nothing", async () => {
  const socket = connect(port, "127.0.0.1");
  const answer = new Promise<string>((resolve) => {
    let text = "";
    socket.on("data", (d) => {
      text += d.toString();
    });
    socket.on("close", () => resolve(text));
  });
  socket.write(
    `POST /v1/sources/orders/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
      "Content-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n" +
      '{"id":"stalled"',
  );
  // The socket is closed by the server, not by the test: it would wait for ever otherwise.
  expect(await answer).toBe("");
  expect(await s.database.db.prisma.batch.count()).toBe(0);
});
