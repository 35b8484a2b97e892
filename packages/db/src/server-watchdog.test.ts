import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

async function until(what: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return what();
}

describe("a test process's embedded PostgreSQL", () => {
  it("is stopped and its directory removed when the test process is killed", async () => {
    // A test process that starts its server, reports where it is, and waits to be killed.
    const script = `
      import { createTestDatabase } from ${JSON.stringify(join(here, "testing.ts"))};
      const t = await createTestDatabase();
      const { rows } = await t.db.pool.query("SHOW data_directory");
      process.stdout.write(JSON.stringify({ data: rows[0].data_directory }) + "\\n");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, TEST_DATABASE_URL: "" },
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += String(d);
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.on("exit", (code) => reject(new Error(`test process exited with ${code}`)));
    });
    const { data } = JSON.parse(line) as { data: string };
    const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    expect(alive(postmaster)).toBe(true);

    child.kill("SIGKILL");
    expect(await until(() => !alive(postmaster), 20_000)).toBe(true);
    expect(await until(() => !existsSync(dirname(data)), 5_000)).toBe(true);
  }, 60_000);
});
