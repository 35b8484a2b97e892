import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@inlet/db";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const workerMain = join(dirname(fileURLToPath(import.meta.url)), "worker-main.ts");

let t: TestDatabase;
let dir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "inlet-worker-main-"));
});
afterAll(async () => {
  await t?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function metricsWhenUp(url: string, deadline: number): Promise<string> {
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return await res.text();
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("a standalone worker process", () => {
  it("serves its counters on INLET_WORKER_METRICS_PORT and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", workerMain], {
      env: {
        NODE_ENV: "test",
        PATH: process.env.PATH,
        DATABASE_URL: t.url,
        INLET_DATA_DIR: dir,
        INLET_LAKE_URL: `file://${join(dir, "lake")}`,
        INLET_WORKER_METRICS_PORT: String(port),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      const text = await metricsWhenUp(`http://127.0.0.1:${port}/metrics`, Date.now() + 60_000);
      expect(text).toContain("# TYPE inlet_worker_flushes_total counter");
      expect(text).toContain("inlet_worker_events_accepted_total 0");
      const missing = await fetch(`http://127.0.0.1:${port}/nope`);
      expect(missing.status).toBe(404);
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
