// The scratch directory a worker process writes NDJSON and Parquet files into before they go to the
// object store. Named after the process, so that a worker starting later can remove the directories
// of workers that were killed (SIGKILL, a crash) before they could remove their own.
import { randomUUID } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRATCH = /^inlet-worker-(\d+)-[0-9a-f-]{36}$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A new scratch directory path for this process (not created). */
export function workerScratchPath(parent = tmpdir()): string {
  return join(parent, `inlet-worker-${process.pid}-${randomUUID()}`);
}

/** Removes the scratch directories of worker processes that no longer run; returns how many. */
export async function removeOrphanedScratch(parent = tmpdir()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const pid = Number(SCRATCH.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    await rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined);
    removed += 1;
  }
  return removed;
}
