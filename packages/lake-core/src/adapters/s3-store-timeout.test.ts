// A stalled connection to S3 (accepted, never answered) fails the request and is retried on a new
// one, instead of hanging the caller for ever.
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "./s3-store";

let server: Server;
let port = 0;
let connections = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    connections += 1;
    sockets.push(socket);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  port = typeof address === "object" && address ? address.port : 0;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("S3ObjectStore on a stalled connection", () => {
  it("fails the request after requestTimeoutMs idle and retries it on a new connection", async () => {
    const store = new S3ObjectStore("s3://stalled-bucket/lake", {
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      requestTimeoutMs: 300,
    });
    await expect(store.put("a/b.txt", new TextEncoder().encode("x"))).rejects.toThrow();
    expect(connections).toBeGreaterThan(1);
  }, 30_000);
});
