// A Redis for tests: the one on 127.0.0.1:6379, or one started here without persistence when nothing
// listens (as the NATS tests do with nats-server); stop() ends only a server this module started.
import { type ChildProcess, spawn } from "node:child_process";
import { connect as netConnect } from "node:net";

export const TEST_REDIS_HOST = "127.0.0.1";
export const TEST_REDIS_PORT = 6379;
export const TEST_REDIS_URL = `redis://${TEST_REDIS_HOST}:${TEST_REDIS_PORT}`;

function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: TEST_REDIS_HOST, port: TEST_REDIS_PORT });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Makes sure a Redis answers at TEST_REDIS_URL; returns how to stop the one started here (if any). */
export async function ensureTestRedis(): Promise<{ stop(): Promise<void> }> {
  if (await reachable()) return { stop: async () => {} };
  const args = [
    "--bind",
    TEST_REDIS_HOST,
    "--port",
    String(TEST_REDIS_PORT),
    "--save",
    "",
    "--appendonly",
    "no",
  ];
  const child: ChildProcess = spawn("redis-server", args, { stdio: "ignore" });
  let failure: Error | undefined;
  child.once("error", (err) => {
    failure = err;
  });
  while (!(await reachable())) {
    if (failure) throw failure;
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
