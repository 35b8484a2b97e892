import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@inlet/db";
import { createTestDatabase } from "@inlet/db/testing";
import { describe, expect, it } from "vitest";

const main = join(dirname(fileURLToPath(import.meta.url)), "main.ts");

describe("the API process", () => {
  it("exits with a message naming each bad environment variable", () => {
    const res = spawnSync(process.execPath, ["--import", "tsx", main], {
      env: {
        NODE_ENV: "test",
        PATH: process.env.PATH,
        NEXTAUTH_SECRET: "x".repeat(40),
        INLET_API_PORT: "not-a-port",
        INLET_QUEUE: "kafka",
      },
      encoding: "utf8",
      // Starting tsx and the API's imports takes 5-10 s on two cores and far longer when they are busy.
      timeout: 120_000,
    });
    expect(res.error).toBeUndefined();
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('INLET_API_PORT ("not-a-port")');
    expect(res.stderr).toContain('INLET_QUEUE ("kafka")');
  }, 150_000);

  it("creates its data folder for the first-start credentials when nothing else has", async () => {
    const t = await createTestDatabase();
    const tmp = await mkdtemp(join(tmpdir(), "inlet-main-"));
    const dataDir = join(tmp, "not", "there", "yet");
    const api = spawn(process.execPath, ["--import", "tsx", main], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "test",
        NEXTAUTH_SECRET: "x".repeat(40),
        DATABASE_URL: t.url,
        INLET_DATA_DIR: dataDir,
        INLET_LAKE_URL: `file://${join(tmp, "lake")}`,
        INLET_API_PORT: String(await freePort()),
        INLET_WORKERS: "0",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      api.stdout.on("data", (d) => {
        out += d.toString();
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no credentials printed: ${out}`)), 60_000);
        api.stdout.on("data", () => {
          if (out.includes("ingest key")) {
            clearTimeout(timer);
            resolve();
          }
        });
        api.on("exit", (code) => reject(new Error(`the API exited (${code}): ${out}`)));
      });
      const saved = await (async () => {
        for (let i = 0; i < 50; i += 1) {
          const text = await readFile(join(dataDir, "initial-credentials.txt"), "utf8").catch(() => "");
          if (text) return text;
          await new Promise((r) => setTimeout(r, 100));
        }
        return "";
      })();
      expect(saved).toContain("admin@inlet.local");
      expect(saved).toContain("ingest key for source 'orders'");
    } finally {
      api.kill("SIGTERM");
      await new Promise((r) => api.once("exit", r));
      await t.drop();
      await rm(tmp, { recursive: true, force: true });
    }
  }, 90_000);
});
