// Fail points: a testing aid (the chaos runs) that kills this process, fails one batch, slows a flush
// or stops lease renewals, at a named point of the worker's path; never set in production. Read once
// from INLET_FAILPOINTS at start; unset, each check is one comparison with undefined.
import { openSync } from "node:fs";
import { InletError } from "../errors";

/** The points of a flush a process can be SIGKILLed at. */
export const KILL_POINTS = [
  /** The flush's Parquet files are written to the scratch folder, nothing is uploaded yet. */
  "after-parquet-write",
  /** The files are in the object store, the catalog transaction has not started. */
  "before-catalog-commit",
  /** The catalog transaction committed, the batches' messages are not acked yet. */
  "after-commit-before-ack",
] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

interface Armed {
  /** SIGKILL at the n-th time the point is reached (counted from the process's start). */
  kills: Map<KillPoint, { at: number; reached: number }>;
  /** A flush carrying one of these event ids fails every time (a poison batch). */
  poisonEvents: Set<string>;
  /** Created when a point fires; while it exists no kill point fires again (in any process). */
  onceFile: string | undefined;
  /** Every `every`-th flush commit of this process waits `ms` before its catalog transaction. */
  slowFlush: { ms: number; every: number; reached: number } | undefined;
  /** The worker renews no batch lease: a flush longer than one lease loses its batches to another. */
  noLeaseRenewal: boolean;
}

/**
 * `INLET_FAILPOINTS`: comma-separated entries, `<kill point>:<n>` (SIGKILL this process the n-th
 * time it reaches the point) or `poison-event:<event id>` (processing a batch carrying that event
 * fails every time), `slow-flush:<ms>[:<n>]` (every n-th flush commit of this process, each by default,
 * waits ms before its catalog transaction, after its files are uploaded) or `no-lease-renewal` (the
 * worker never renews a batch's lease, so a flush longer than one lease has its batches handed to
 * another worker while it still works on them). `INLET_FAILPOINTS_ONCE_FILE`: a path; the first kill
 * creates it and no process fires a kill point while it exists (a restarted worker inherits the same
 * setting).
 */
export function parseFailPoints(spec: string | undefined, onceFile?: string): Armed | undefined {
  if (!spec?.trim()) return undefined;
  const armed: Armed = {
    kills: new Map(),
    poisonEvents: new Set(),
    onceFile: onceFile || undefined,
    slowFlush: undefined,
    noLeaseRenewal: false,
  };
  for (const entry of spec.split(",")) {
    const item = entry.trim();
    if (!item) continue;
    const colon = item.indexOf(":");
    const name = colon < 0 ? item : item.slice(0, colon);
    const arg = colon < 0 ? "" : item.slice(colon + 1);
    if (name === "poison-event" && arg) {
      armed.poisonEvents.add(arg);
      continue;
    }
    if (name === "no-lease-renewal" && arg === "") {
      armed.noLeaseRenewal = true;
      continue;
    }
    if (name === "slow-flush") {
      const [ms, every = 1] = arg.split(":").map(Number);
      if (Number.isInteger(ms) && ms! > 0 && Number.isInteger(every) && every >= 1) {
        armed.slowFlush = { ms: ms!, every, reached: 0 };
        continue;
      }
    }
    const n = arg === "" ? 1 : Number(arg);
    if (!(KILL_POINTS as readonly string[]).includes(name) || !Number.isInteger(n) || n < 1) {
      throw new InletError(
        "INVALID_CONFIG",
        `INLET_FAILPOINTS entry '${item}' is none of <point>:<n> (points: ${KILL_POINTS.join(", ")}; n ≥ 1), poison-event:<event id>, slow-flush:<ms>[:<n>], no-lease-renewal`,
      );
    }
    armed.kills.set(name as KillPoint, { at: n, reached: 0 });
  }
  return armed;
}

let armed: Armed | undefined = parseFailPoints(
  process.env.INLET_FAILPOINTS,
  process.env.INLET_FAILPOINTS_ONCE_FILE,
);

/** Arms the fail points of a spec in this process (tests); undefined disarms them. */
export function armFailPoints(spec: string | undefined, onceFile?: string): void {
  armed = parseFailPoints(spec, onceFile);
}

/** Whether the n-th reach of this point is now: the caller is then killed (see failPoint). */
export function failPointDue(point: KillPoint): boolean {
  if (armed === undefined) return false;
  const kill = armed.kills.get(point);
  if (!kill) return false;
  kill.reached += 1;
  if (kill.reached !== kill.at) return false;
  if (armed.onceFile) {
    try {
      openSync(armed.onceFile, "wx");
    } catch {
      return false;
    }
  }
  return true;
}

/** SIGKILLs this process when INLET_FAILPOINTS names this point and this is its n-th reach. */
export function failPoint(point: KillPoint): void {
  if (armed === undefined) return;
  if (failPointDue(point)) process.kill(process.pid, "SIGKILL");
}

/** Throws when INLET_FAILPOINTS names one of these event ids as poison. */
export function failIfPoisoned(eventIds: readonly string[]): void {
  if (armed === undefined || armed.poisonEvents.size === 0) return;
  for (const id of eventIds) {
    if (armed.poisonEvents.has(id)) {
      throw new InletError("INTERNAL", `fail point poison-event: the batch carries event '${id}'`);
    }
  }
}

/**
 * Waits when INLET_FAILPOINTS names `slow-flush:<ms>[:<n>]` and this is an n-th flush commit of the
 * process; resolves to the milliseconds waited (0 when not due).
 */
export async function slowFlushPause(): Promise<number> {
  const slow = armed?.slowFlush;
  if (!slow) return 0;
  slow.reached += 1;
  if (slow.reached % slow.every !== 0) return 0;
  await new Promise((resolve) => setTimeout(resolve, slow.ms));
  return slow.ms;
}

/** Whether INLET_FAILPOINTS names `no-lease-renewal`: the worker then renews no batch lease. */
export function leaseRenewalDisabled(): boolean {
  return armed?.noLeaseRenewal ?? false;
}
