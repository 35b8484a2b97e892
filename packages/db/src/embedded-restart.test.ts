// The embedded PostgreSQL restarted under its owner (`pg_ctl restart`, as the chaos run does): the
// owner's stop() still stops the server that runs now, instead of waiting for the exit of the process
// it spawned, which is gone.
import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, readlink, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { startDatabase } from "./embedded";

async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, "postmaster.pid"), "utf8").catch(() => undefined);
  return text ? Number(text.split("\n")[0]) : undefined;
}

/** Whether a process runs: a zombie (exited, not reaped by whoever adopted it) does not. */
async function runs(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return false;
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

/** `pg_ctl restart -m fast` of the server on dataDir, as the user that owns it. */
async function pgCtlRestart(dataDir: string, pid: number): Promise<void> {
  const pgCtl = join(dirname(await readlink(`/proc/${pid}/exe`)), "pg_ctl");
  const owner = await stat(dataDir);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      pgCtl,
      ["restart", "-D", dataDir, "-m", "fast", "-w", "-t", "60", "-l", join(dataDir, "restart.log")],
      { uid: owner.uid, gid: owner.gid, stdio: "ignore" },
    );
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl restart: exit ${code}`))));
  });
}

describe("startDatabase, restarted under its owner", () => {
  it("stops the server running after a pg_ctl restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "inlet-embedded-restart-"));
    await chmod(dir, 0o755);
    const dataDir = join(dir, "pg");
    try {
      const db = await startDatabase({ dataDir, migrate: false });
      const first = await postmasterPid(dataDir);
      expect(first).toBeGreaterThan(0);
      await pgCtlRestart(dataDir, first!);
      const second = await postmasterPid(dataDir);
      expect(second).not.toBe(first);
      expect(await runs(second!)).toBe(true);
      await db.stop();
      expect(await postmasterPid(dataDir)).toBeUndefined();
      expect(await runs(second!)).toBe(false);
    } finally {
      const left = await postmasterPid(dataDir);
      if (left && (await runs(left))) process.kill(left, "SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
