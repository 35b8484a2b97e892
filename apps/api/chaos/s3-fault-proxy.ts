// A fault-injecting HTTP proxy in front of an S3-compatible server (s3rver in the chaos run). Each
// request is, at the configured rate, answered 503 SlowDown, held unanswered until the client gives
// up (or `stallMs` passes, then cut), cut before it reaches the server, or forwarded and its answer cut
// (the server applied it; the client never learns). Everything else passes through unchanged.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type S3Fault = "slowdown" | "stall" | "drop" | "drop-after";

export interface S3FaultProxyOptions {
  /** The server proxied, http://host:port. */
  target: string;
  /** Share of requests given a fault, 0..1, split evenly between the kinds. */
  rate: number;
  kinds?: S3Fault[];
  /** How long a stalled request is held before its connection is cut (default 30 s). */
  stallMs?: number;
}

export interface S3FaultProxy {
  endpoint: string;
  /** Requests seen, and faults injected by kind. */
  counts: { requests: number } & Record<S3Fault, number>;
  /** Turns faults on or off (on at start). */
  setEnabled(on: boolean): void;
  close(): Promise<void>;
}

const SLOWDOWN = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`;

export async function startS3FaultProxy(opts: S3FaultProxyOptions): Promise<S3FaultProxy> {
  const target = new URL(opts.target);
  const kinds = opts.kinds ?? ["slowdown", "stall", "drop", "drop-after"];
  const stallMs = opts.stallMs ?? 30_000;
  const counts = { requests: 0, slowdown: 0, stall: 0, drop: 0, "drop-after": 0 };
  let enabled = true;
  const server: Server = createServer((req, res) => {
    counts.requests += 1;
    const fault =
      enabled && Math.random() < opts.rate ? kinds[Math.floor(Math.random() * kinds.length)] : undefined;
    if (fault) counts[fault] += 1;
    if (fault === "slowdown") {
      req.resume();
      req.on("end", () => {
        res.writeHead(503, {
          "content-type": "application/xml",
          "content-length": Buffer.byteLength(SLOWDOWN),
        });
        res.end(SLOWDOWN);
      });
      return;
    }
    if (fault === "stall") {
      req.resume();
      const timer = setTimeout(() => req.socket.destroy(), stallMs);
      req.socket.once("close", () => clearTimeout(timer));
      return;
    }
    if (fault === "drop") {
      req.socket.destroy();
      return;
    }
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        if (fault === "drop-after") {
          // The server has applied the request; its answer never reaches the client.
          up.resume();
          up.on("end", () => req.socket.destroy());
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => req.socket.destroy());
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    setEnabled(on) {
      enabled = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
