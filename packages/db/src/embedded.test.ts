import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { runtimeFile, startDatabase } from "./embedded";

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts the embedded server in a child process, as `npm start` would, and SIGKILLs that process. */
async function startAndKillOwner(dataDir: string): Promise<number> {
  const module = fileURLToPath(new URL("./embedded.ts", import.meta.url));
  const script = `const { startDatabase } = await import(${JSON.stringify(module)});
    await startDatabase({ dataDir: ${JSON.stringify(dataDir)} });
    process.stdout.write("ready\\n");
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolveReady, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolveReady();
    });
    child.once("exit", (code) => reject(new Error(`the owner exited (${code}) before the server was up`)));
  });
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
  return child.pid ?? 0;
}

/** The postmaster's pid while its pid file exists (a server left running), else undefined. */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, "postmaster.pid"), "utf8").catch(() => undefined);
  return text ? Number(text.split("\n")[0]) : undefined;
}

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

  it("adopts the server a killed process left running, records it, and stops it on its own stop", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inlet-embedded-"));
    await chmod(dir, 0o755);
    const dataDir = join(dir, "pg");
    try {
      const deadOwner = await startAndKillOwner(dataDir);
      const left = JSON.parse(await readFile(runtimeFile(dataDir), "utf8")) as { url: string; pid: number };
      expect(left.pid).toBe(deadOwner);
      // The owner died without stopping it: the server is still there.
      expect(await answers(left.url)).toBe(true);

      const logs: string[] = [];
      const db = await startDatabase({ dataDir, log: (m) => logs.push(m) });
      expect(db.url).toBe(left.url);
      expect(db.embedded).toBe(true);
      expect(logs.join("\n")).toMatch(new RegExp(`process ${deadOwner}.*is gone`));
      // The runtime file names the process that now answers for the server.
      const recorded = JSON.parse(await readFile(runtimeFile(dataDir), "utf8")) as { pid: number };
      expect(recorded.pid).toBe(process.pid);
      // A worker attaching now does not adopt it: its owner is alive.
      const worker = await startDatabase({ dataDir, startEmbedded: false });
      expect(worker.embedded).toBe(false);
      await worker.stop();
      expect(await answers(left.url)).toBe(true);

      await db.stop();
      expect(await answers(left.url)).toBe(false);
      expect(await postmasterPid(dataDir)).toBeUndefined();
      expect(existsSync(runtimeFile(dataDir))).toBe(false);

      // And the next start starts it afresh, on the same data.
      const again = await startDatabase({ dataDir });
      expect(again.embedded).toBe(true);
      expect(await answers(again.url)).toBe(true);
      await again.stop();
    } finally {
      const pid = await postmasterPid(dataDir);
      if (pid) process.kill(pid, "SIGINT");
      for (let i = 0; i < 200 && (await postmasterPid(dataDir)); i++)
        await new Promise((r) => setTimeout(r, 50));
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
