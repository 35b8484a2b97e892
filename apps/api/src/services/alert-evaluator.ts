// The alert evaluator: every round it reads each subject's figures, fires an episode when one crosses
// its threshold, resolves an open one when the figure is back (with hysteresis), and never opens a
// second episode for one (kind, subject) while one is open. Runs in the API under a catalog lease, so
// one API process evaluates at a time however many run.
import type { Db, Prisma } from "@inlet/db";
import type { Catalog, Queue } from "@inlet/lake-core";
import type { Logger } from "pino";
import { Counter, Gauge } from "prom-client";
import { apiRegistry } from "../metrics";
import { type FigureSources, type Observation, readFigures } from "./alert-figures";
import { ALERT_KIND_INFO, breaches, recovered, type StoredRule } from "./alert-rules";

export interface OpenEpisode {
  id: string;
  kind: string;
  subjectId: string;
}

export type Decision =
  | { type: "fire"; observation: Observation & { value: number } }
  | { type: "resolve"; eventId: string; value: number | null }
  | { type: "update"; eventId: string; value: number };

const key = (kind: string, subjectId: string) => `${kind}\u0000${subjectId}`;

/** What to do with each observation given the open episodes (pure: the evaluator's rules in one place). */
export function decide(observations: readonly Observation[], open: readonly OpenEpisode[]): Decision[] {
  const openBy = new Map(open.map((e) => [key(e.kind, e.subjectId), e]));
  const seen = new Set<string>();
  const out: Decision[] = [];
  for (const o of observations) {
    const k = key(o.kind, o.subjectId);
    seen.add(k);
    const episode = openBy.get(k);
    if (episode) {
      if (!o.enabled || o.value === null) out.push({ type: "resolve", eventId: episode.id, value: null });
      else if (o.value === undefined) continue;
      else if (recovered(o.kind, o.value, o.threshold))
        out.push({ type: "resolve", eventId: episode.id, value: o.value });
      else out.push({ type: "update", eventId: episode.id, value: o.value });
    } else if (o.enabled && typeof o.value === "number" && breaches(o.kind, o.value, o.threshold)) {
      out.push({ type: "fire", observation: { ...o, value: o.value } });
    }
  }
  // An open episode whose subject is gone (a deleted source) or whose kind is unknown resolves.
  for (const e of open)
    if (!seen.has(key(e.kind, e.subjectId))) out.push({ type: "resolve", eventId: e.id, value: null });
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** A figure with its unit, which is singular for exactly 1 ("1 letter", "1 minute"). */
const amount = (n: number, unit: string) =>
  `${round(n)} ${round(n) === 1 && unit.endsWith("s") ? unit.slice(0, -1) : unit}`;

/** The sentence a banner, the history and the webhook show for a fired episode. */
export function alertMessage(o: Observation & { value: number }): string {
  const info = ALERT_KIND_INFO[o.kind];
  const what = o.subjectType === "queue" ? `queue ${o.subjectName}` : `source ${o.subjectName}`;
  const window =
    o.kind === "dead_letter_inflow" || o.kind === "throughput_drop" ? ` over ${o.windowMinutes} min` : "";
  const side = info.direction === "above" ? "above" : "below";
  return `${info.label} for ${what}: ${amount(o.value, info.unit)}${window}, ${side} the threshold of ${amount(o.threshold, info.unit)}`;
}

/** An episode that fired or resolved this round: what the webhook is told. */
export interface AlertTransition {
  transition: "fired" | "resolved";
  eventId: string;
}

export interface AlertEvaluatorDeps {
  db: Db;
  catalog: Pick<Catalog, "listSources" | "sourceActivityByMinute" | "commitLatency" | "tryLease">;
  queue: Pick<Queue, "stats">;
  logger?: Logger;
  /** Called inside the transaction that records a fire or resolve (the webhook's delivery is queued there). */
  onTransition?: (tx: Prisma.TransactionClient, t: AlertTransition) => Promise<void>;
  /** Each source's cost so far today in USD, by slug (the operations dashboard's); cost_per_day needs it. */
  costToday?: FigureSources["costToday"];
  now?: () => Date;
}

export const ALERT_LEASE = "inlet.alerts";

/** What one round did: its transitions, and what it could not read or record (the rest went on). */
export interface AlertRound {
  transitions: AlertTransition[];
  /** A subject whose figures could not be read (its episodes were left as they were), or a decision not recorded. */
  problems: string[];
}

/** One round under the lease; undefined when another process holds it. */
export async function evaluateAlertsOnce(deps: AlertEvaluatorDeps): Promise<AlertRound | undefined> {
  const lease = await deps.catalog.tryLease(ALERT_LEASE);
  if (!lease) return undefined;
  try {
    return await evaluateAlertRound(deps);
  } finally {
    await lease.release();
  }
}

/** One round without the lease (for tests and the leased round): the transitions it made. */
export async function evaluateAlerts(deps: AlertEvaluatorDeps): Promise<AlertTransition[]> {
  return (await evaluateAlertRound(deps)).transitions;
}

/**
 * One round. A subject whose figures cannot be read, or a decision that cannot be recorded, is logged
 * and counted, and the round goes on with the others: one failing source or webhook never keeps every
 * other episode from firing or resolving.
 */
export async function evaluateAlertRound(deps: AlertEvaluatorDeps): Promise<AlertRound> {
  const { prisma } = deps.db;
  const now = deps.now?.() ?? new Date();
  const problems: string[] = [];
  const stored: StoredRule[] = await prisma.alertRule.findMany();
  const figures: FigureSources = {
    catalog: deps.catalog,
    queue: deps.queue,
    costToday: deps.costToday,
    onSubjectError: (subject, err) => {
      deps.logger?.warn({ err, subject }, "alert figures not read; its episodes are left as they are");
      problems.push(`figures of ${subject}: ${errorText(err)}`);
    },
  };
  const observations = await readFigures(figures, stored, now);
  const open = await prisma.alertEvent.findMany({
    where: { resolvedAt: null },
    select: { id: true, kind: true, subjectId: true },
  });
  const transitions: AlertTransition[] = [];
  for (const d of decide(observations, open)) {
    try {
      await record(deps, d, now, transitions);
    } catch (err) {
      const what = d.type === "fire" ? `${d.observation.kind} for ${d.observation.subjectName}` : d.eventId;
      deps.logger?.warn(
        { err, decision: d.type, what },
        "alert decision not recorded; tried again next round",
      );
      problems.push(`${d.type} ${what}: ${errorText(err)}`);
    }
  }
  if (transitions.length > 0) deps.logger?.info({ transitions }, "alerts changed");
  return { transitions, problems };
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

async function record(
  deps: AlertEvaluatorDeps,
  d: Decision,
  now: Date,
  transitions: AlertTransition[],
): Promise<void> {
  const { prisma } = deps.db;
  if (d.type === "update") {
    await prisma.alertEvent.updateMany({
      where: { id: d.eventId, resolvedAt: null },
      data: { lastValue: d.value },
    });
  } else if (d.type === "resolve") {
    await prisma.$transaction(async (tx) => {
      const n = await tx.alertEvent.updateMany({
        where: { id: d.eventId, resolvedAt: null },
        data: {
          resolvedAt: now,
          resolvedValue: d.value,
          ...(d.value === null ? {} : { lastValue: d.value }),
        },
      });
      if (n.count === 0) return;
      const t: AlertTransition = { transition: "resolved", eventId: d.eventId };
      await deps.onTransition?.(tx, t);
      transitions.push(t);
    });
  } else {
    const o = d.observation;
    try {
      await prisma.$transaction(async (tx) => {
        const created = await tx.alertEvent.create({
          data: {
            kind: o.kind,
            subjectType: o.subjectType,
            subjectId: o.subjectId,
            subjectName: o.subjectName,
            threshold: o.threshold,
            value: o.value,
            lastValue: o.value,
            message: alertMessage(o),
            firedAt: now,
          },
        });
        const t: AlertTransition = { transition: "fired", eventId: created.id };
        await deps.onTransition?.(tx, t);
        transitions.push(t);
      });
    } catch (err) {
      // The partial unique index: another round opened this episode first. Not a second firing.
      if ((err as { code?: string }).code !== "P2002") throw err;
    }
  }
}

/**
 * Whether alerts are being evaluated, as this API process sees it: what on-call checks before trusting
 * that no banner means nothing is wrong (the Alerts page shows it; /metrics has the same figures).
 */
export interface AlertEvaluatorStatus {
  intervalMs: number;
  /** When this process last finished a round it held the lease for, and how long the round took. */
  lastRoundAt: Date | null;
  lastRoundMs: number | null;
  /** What the last tick found: a round run here, the lease held by another API process, or a failure. */
  lastOutcome: "evaluated" | "elsewhere" | "failed" | null;
  /** The last round's problems (subjects not read, decisions not recorded) or its failure. */
  problems: string[];
  /** Since when a round has been running, when it is still running. */
  runningSince: Date | null;
}

const rounds = new Counter({
  name: "inlet_alert_rounds_total",
  help: "Alert evaluation rounds this API process ran (outcome: evaluated, partial when a subject or decision failed, failed), or skipped because another process held the lease (elsewhere)",
  labelNames: ["outcome"],
  registers: [apiRegistry],
});
const lastRound = new Gauge({
  name: "inlet_alert_last_round_timestamp_seconds",
  help: "When this API process last finished an alert evaluation round (Unix time; 0 before the first)",
  registers: [apiRegistry],
});
const roundSeconds = new Gauge({
  name: "inlet_alert_round_duration_seconds",
  help: "How long this API process's last alert evaluation round took",
  registers: [apiRegistry],
});

export interface AlertEvaluator {
  /** Stops it and waits for a round in progress. */
  stop(): Promise<void>;
  status(): AlertEvaluatorStatus;
}

/**
 * Evaluates every interval (the first round one interval after start). A tick while a round still runs
 * is skipped; a round running longer than five intervals is logged each tick, so a hung round is seen.
 */
export function startAlertEvaluator(deps: AlertEvaluatorDeps & { intervalMs: number }): AlertEvaluator {
  let current: Promise<void> | undefined;
  const state: AlertEvaluatorStatus = {
    intervalMs: deps.intervalMs,
    lastRoundAt: null,
    lastRoundMs: null,
    lastOutcome: null,
    problems: [],
    runningSince: null,
  };
  const tick = () => {
    if (current) {
      const runningMs = Date.now() - (state.runningSince?.getTime() ?? Date.now());
      if (runningMs > 5 * deps.intervalMs) {
        deps.logger?.error(
          { runningMs },
          "an alert evaluation round is still running; no alert fires or resolves meanwhile",
        );
      }
      return;
    }
    const started = new Date();
    state.runningSince = started;
    current = evaluateAlertsOnce(deps)
      .then((round) => {
        if (!round) {
          state.lastOutcome = "elsewhere";
          rounds.inc({ outcome: "elsewhere" });
          return;
        }
        const finished = new Date();
        state.lastRoundAt = finished;
        state.lastRoundMs = finished.getTime() - started.getTime();
        state.lastOutcome = "evaluated";
        state.problems = round.problems;
        rounds.inc({ outcome: round.problems.length > 0 ? "partial" : "evaluated" });
        lastRound.set(finished.getTime() / 1000);
        roundSeconds.set(state.lastRoundMs / 1000);
      })
      .catch((err: unknown) => {
        deps.logger?.warn({ err }, "alert evaluation failed");
        state.lastOutcome = "failed";
        state.problems = [errorText(err)];
        rounds.inc({ outcome: "failed" });
      })
      .finally(() => {
        current = undefined;
        state.runningSince = null;
      });
  };
  const timer = setInterval(tick, deps.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
    status: () => ({ ...state, problems: [...state.problems] }),
  };
}
