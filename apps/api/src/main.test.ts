import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('INLET_API_PORT ("not-a-port")');
    expect(res.stderr).toContain('INLET_QUEUE ("kafka")');
  });
});
