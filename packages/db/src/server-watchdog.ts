// A test process's embedded PostgreSQL must not outlive it. Vitest ends its worker processes with a
// signal, which runs no `exit` handler, so a stop scheduled there never happens: every test process
// left its server running (dozens after a day of test runs). A small detached process watches the
// test process instead, and once it is gone asks the server for a fast shutdown (SIGINT to the
// postmaster named in postmaster.pid) and removes its directory.
import { spawn } from "node:child_process";

const WATCHDOG = `
const [parent, dataDir, removeDir] = process.argv.slice(1);
const { readFileSync, rmSync } = require("node:fs");
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === "EPERM"; } };
const postmaster = () => {
  try { return Number(readFileSync(dataDir + "/postmaster.pid", "utf8").split("\\n")[0]) || undefined; }
  catch { return undefined; }
};
const watch = setInterval(() => {
  if (alive(Number(parent))) return;
  clearInterval(watch);
  const pid = postmaster();
  if (pid) { try { process.kill(pid, "SIGINT"); } catch {} }
  const deadline = Date.now() + 15000;
  const wait = setInterval(() => {
    if (pid && alive(pid) && Date.now() < deadline) return;
    clearInterval(wait);
    if (pid && alive(pid)) { try { process.kill(pid, "SIGKILL"); } catch {} }
    try { rmSync(removeDir, { recursive: true, force: true }); } catch {}
  }, 100);
}, 500);
`;

/**
 * Stops the PostgreSQL of `dataDir` and removes `removeDir` once process `parentPid` has ended, however
 * it ended. The watcher is detached and not waited for: it ends by itself once it has done that.
 */
export function stopServerWhenGone(
  parentPid: number,
  dataDir: string,
  removeDir: string,
): number | undefined {
  const child = spawn(process.execPath, ["-e", WATCHDOG, String(parentPid), dataDir, removeDir], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  return child.pid;
}
