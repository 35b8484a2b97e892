import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startDatabase } from "./embedded";

describe("startDatabase", () => {
  it("starts an embedded PostgreSQL, migrates it, reuses it from a second process and restarts on the same data", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inlet-embedded-"));
    await chmod(dir, 0o755);
    try {
      const dataDir = join(dir, "pg");
      // A worker does not start the server: it waits for the API's.
      const logs: string[] = [];
      let workerAttached = false;
      const worker = startDatabase({
        dataDir,
        startEmbedded: false,
        attachPollMs: 50,
        log: (m) => logs.push(m),
      });
      void worker.then(() => {
        workerAttached = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(workerAttached).toBe(false);
      expect(logs.join("\n")).toMatch(/waiting for the embedded PostgreSQL/);
      const first = await startDatabase({ dataDir });
      expect(first.embedded).toBe(true);
      const late = await worker;
      expect([late.embedded, late.url]).toEqual([false, first.url]);
      const attached = await startDatabase({ dataDir });
      expect(attached.embedded).toBe(false);
      expect(attached.url).toBe(first.url);
      const c = new pg.Client({ connectionString: first.url });
      await c.connect();
      await c.query("INSERT INTO users (id, email, name, roles) VALUES ('u1', 'a@b.c', 'A', '{admin}')");
      await c.end();
      await first.stop();

      const again = await startDatabase({ dataDir });
      const c2 = new pg.Client({ connectionString: again.url });
      await c2.connect();
      const { rows } = await c2.query("SELECT email FROM users");
      await c2.end();
      expect(rows).toEqual([{ email: "a@b.c" }]);
      await again.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("uses DATABASE_URL's server and starts nothing", async () => {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) return;
    const db = await startDatabase({ databaseUrl: url, dataDir: "/nonexistent" });
    expect(db.embedded).toBe(false);
  });
});
