// Resident memory of a chaos run's processes: the API, every process below it (its workers, its
// embedded PostgreSQL and that server's backends), sampled from /proc once a second. Each process's
// peak is the larger of the highest VmRSS sampled and its VmHWM (the kernel's own high-water mark,
// which catches a peak between samples).
import { readdir, readFile } from "node:fs/promises";

export interface ProcessPeak {
  pid: number;
  /** api, worker, postgres or the command's first word. */
  kind: string;
  /** Peak resident memory in bytes. */
  peakBytes: number;
}

async function statusOf(pid: number): Promise<{ ppid: number; rss: number; hwm: number } | undefined> {
  const text = await readFile(`/proc/${pid}/status`, "utf8").catch(() => undefined);
  if (!text) return undefined;
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { ppid: field("PPid"), rss: field("VmRSS") * 1024, hwm: field("VmHWM") * 1024 };
}

async function kindOf(pid: number, rootPid: number): Promise<string> {
  if (pid === rootPid) return "api";
  const cmd = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
  if (cmd.includes("worker-main")) return "worker";
  if (/postgres/.test(cmd)) return "postgres";
  return cmd.split(" ")[0]?.split("/").pop() || "other";
}

/** Samples the processes below `rootPid()` (read again each time: the API may be restarted). */
export function sampleMemory(rootPid: () => number | undefined, intervalMs = 1000) {
  const peaks = new Map<number, ProcessPeak>();
  let stopped = false;
  const once = async () => {
    const root = rootPid();
    if (root === undefined) return;
    const parents = new Map<number, { ppid: number; rss: number; hwm: number }>();
    for (const entry of await readdir("/proc")) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      const s = await statusOf(pid);
      if (s) parents.set(pid, s);
    }
    const below = (pid: number): boolean => {
      for (let p = pid, hops = 0; p > 1 && hops < 16; hops += 1) {
        if (p === root) return true;
        p = parents.get(p)?.ppid ?? 0;
      }
      return false;
    };
    for (const [pid, s] of parents) {
      if (!below(pid)) continue;
      const peak = Math.max(s.rss, s.hwm);
      const known = peaks.get(pid);
      if (known) known.peakBytes = Math.max(known.peakBytes, peak);
      else peaks.set(pid, { pid, kind: await kindOf(pid, root), peakBytes: peak });
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await once().catch(() => {});
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    /** Stops sampling; the peak of every process seen, highest first. */
    async stop(): Promise<ProcessPeak[]> {
      await once().catch(() => {});
      stopped = true;
      await loop;
      return [...peaks.values()].sort((a, b) => b.peakBytes - a.peakBytes);
    },
  };
}

/** The highest peak of each kind of process, e.g. "api 310 MB, worker 540 MB (pid 12), postgres 90 MB". */
export function formatPeaks(peaks: ProcessPeak[]): string {
  const byKind = new Map<string, ProcessPeak>();
  for (const p of peaks) if (!byKind.has(p.kind)) byKind.set(p.kind, p);
  return [...byKind.values()]
    .map((p) => `${p.kind} ${(p.peakBytes / 1024 ** 2).toFixed(0)} MB (pid ${p.pid})`)
    .join(", ");
}
