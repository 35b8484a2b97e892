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

it("reads a body refused as too large to its end, so a client that writes it all first gets the 413", async () => {
  const limit = 10 * 1024 * 1024;
  const body = Buffer.alloc(limit + 1024 * 1024, 0x20);
  const exchange = (chunked: boolean, close = false) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let text = "";
      socket.on("data", (d) => {
        text += d.toString();
        if (text.includes("\r\n\r\n") && text.includes("}}")) socket.end();
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(text));
      const head =
        `POST /v1/sources/orders/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
        "Content-Type: application/x-ndjson\r\n" +
        // urllib always asks for the connection to be closed after the answer.
        (close ? "Connection: close\r\n" : "") +
        (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : `Content-Length: ${body.length}\r\n\r\n`);
      // Everything is written before anything is read, as Python's http.client does: a server that
      // closes early makes these writes fail with EPIPE or ECONNRESET.
      socket.write(head);
      if (chunked) {
        for (let at = 0; at < body.length; at += 1024 * 1024) {
          const part = body.subarray(at, at + 1024 * 1024);
          socket.write(`${part.length.toString(16)}\r\n`);
          socket.write(part);
          socket.write("\r\n");
        }
        socket.write("0\r\n\r\n");
      } else {
        socket.write(body);
      }
    });
  for (const [chunked, close] of [
    [false, false],
    [true, false],
    [false, true],
  ] as const) {
    const answer = await exchange(chunked, close);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"BODY_TOO_LARGE"');
  }
  expect(await s.database.db.prisma.batch.count()).toBe(0);
});
