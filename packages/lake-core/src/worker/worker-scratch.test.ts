import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { removeOrphanedScratch, workerScratchPath } from "./worker-scratch";

const parent = await mkdtemp(join(tmpdir(), "inlet-scratch-test-"));
afterAll(() => rm(parent, { recursive: true, force: true }));

it("removes the scratch directories of workers that no longer run, and only those", async () => {
  // A process that has exited: its pid no longer names a running process.
  const dead = spawnSync(process.execPath, [
    "-e",
    "process.stdout.write(String(process.pid))",
  ]).stdout.toString();
  const orphan = join(parent, `inlet-worker-${dead}-00000000-0000-4000-8000-000000000000`);
  const mine = workerScratchPath(parent);
  const other = join(parent, "inlet-worker-main-abc");
  for (const d of [orphan, mine, other]) await mkdir(d);
  await writeFile(join(orphan, "events.ndjson"), "{}\n");
  expect(await removeOrphanedScratch(parent)).toBe(1);
  expect((await readdir(parent)).sort()).toEqual([mine, other].map((d) => d.slice(parent.length + 1)).sort());
});
