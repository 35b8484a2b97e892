// NatsQueue against nats-server on 127.0.0.1:4222 (started here if nothing listens), one stream per file.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll } from "vitest";
import { queueContract } from "../testing/queue-contract";
import { NatsQueue } from "./nats-queue";

const HOST = "127.0.0.1";
const PORT = 4222;
const SERVERS = `nats://${HOST}:${PORT}`;
const suffix = randomBytes(4).toString("hex");
// Streams may not share subjects, so the prefix is unique too.
const streamName = `INLET_TEST_${suffix}`;
const subjectPrefix = `inlet_test_${suffix}`;

let server: ChildProcess | undefined;
let storeDir: string | undefined;

function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: HOST, port: PORT });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

beforeAll(async () => {
  if (await reachable()) return;
  storeDir = await mkdtemp(join(tmpdir(), "inlet-nats-"));
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  const bin = existsSync("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";
  const child = spawn(bin, ["-js", "-a", HOST, "-p", String(PORT), "-sd", storeDir], { stdio: "ignore" });
  server = child;
  let failure: Error | undefined;
  child.once("error", (err) => {
    failure = err;
  });
  while (!(await reachable())) {
    if (failure) throw failure;
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  if (await reachable()) {
    const nc = await connect({ servers: SERVERS });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(streamName).catch(() => false);
    } finally {
      await nc.close();
    }
  }
  if (server) {
    const exited = new Promise((resolve) => server?.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

// No pollIntervalMs: a waiting receive is a pull request the server answers when a message arrives,
// so the wake-up test's bound holds the server's push to it, with no client poll to rescue it.
queueContract("NatsQueue", async ({ maxReceives }) => {
  const queue = await NatsQueue.connect({ servers: SERVERS, streamName, subjectPrefix, maxReceives });
  return { queue, cleanup: () => queue.close() };
});
