// The figures alerts are judged on, read from what the data plane already records: each source's
// per-minute activity and commit latency in the catalog, and each queue's oldest message.
import {
  BATCHES_QUEUE,
  type Catalog,
  LANDING_EVENTS_QUEUE,
  type MinuteActivity,
  type Queue,
} from "@inlet/lake-core";
import {
  ALERT_KIND_INFO,
  ALL_SUBJECTS,
  type AlertKind,
  effectiveRule,
  type StoredRule,
  type SubjectType,
} from "./alert-rules";

/** The queues the pipeline runs on: each is a subject of the per-queue kinds. */
export const ALERT_QUEUES = [BATCHES_QUEUE, LANDING_EVENTS_QUEUE] as const;

const MINUTE_MS = 60_000;
/** The trailing hour a throughput drop is measured against must have committed at least this many events. */
export const THROUGHPUT_MIN_TRAILING_EVENTS = 60;
/** A source silent for longer than this is not "suddenly" silent: no_events does not apply to it. */
const NO_EVENTS_LOOKBACK_MS = 24 * 60 * MINUTE_MS;

/**
 * One subject's figure for one kind. `value` is a number to judge, `null` when the kind does not apply
 * to the subject now (a paused source, too little traffic to compare: an open episode resolves), or
 * `undefined` when there is no figure to judge by (nothing committed in the window: state is left alone).
 */
export interface Observation {
  kind: AlertKind;
  subjectType: SubjectType;
  subjectId: string;
  subjectName: string;
  value: number | null | undefined;
  threshold: number;
  windowMinutes: number;
  enabled: boolean;
}

export interface FigureSources {
  catalog: Pick<Catalog, "listSources" | "sourceActivityByMinute" | "commitLatency">;
  queue: Pick<Queue, "stats">;
  /** Each source's cost so far today (UTC) in USD, by slug; without it cost_per_day is not judged. */
  costToday?: ((now: Date) => Promise<Map<string, number>>) | undefined;
  /**
   * Told of a subject (a queue or source) whose figures could not be read: its observations then carry
   * no value (its episodes are left as they are) and the other subjects are still read. Without it the
   * error is thrown.
   */
  onSubjectError?: ((subject: string, err: unknown) => void) | undefined;
}

/** Today's (UTC) cost per source slug from the operations dashboard's cost rows. */
export function costTodayBySource(rows: readonly { day: string; source: string; usd: number }[], now: Date) {
  const today = now.toISOString().slice(0, 10);
  const out = new Map<string, number>();
  for (const r of rows) if (r.day === today) out.set(r.source, (out.get(r.source) ?? 0) + r.usd);
  return out;
}

function sumIn(
  rows: readonly MinuteActivity[],
  from: number,
  to: number,
  pick: (r: MinuteActivity) => number,
) {
  let n = 0;
  for (const r of rows) {
    const t = r.minute.getTime();
    if (t >= from && t < to) n += pick(r);
  }
  return n;
}

/** Dead letters recorded in the last `windowMinutes` (the current minute included). */
export function deadLetterInflow(rows: readonly MinuteActivity[], now: Date, windowMinutes: number): number {
  const currentMinute = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  return sumIn(
    rows,
    currentMinute - (windowMinutes - 1) * MINUTE_MS,
    Number.POSITIVE_INFINITY,
    (r) => r.deadLettered,
  );
}

/**
 * Events committed per minute over the last `windowMinutes` complete minutes as a percentage of the rate
 * of the hour before them; null when that hour committed too little to compare with.
 */
export function throughputPercent(
  rows: readonly MinuteActivity[],
  now: Date,
  windowMinutes: number,
): number | null {
  const end = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const start = end - windowMinutes * MINUTE_MS;
  const trailing = sumIn(rows, start - 60 * MINUTE_MS, start, (r) => r.accepted);
  if (trailing < THROUGHPUT_MIN_TRAILING_EVENTS) return null;
  const recent = sumIn(rows, start, end, (r) => r.accepted);
  return (recent / windowMinutes / (trailing / 60)) * 100;
}

/** Minutes since the source last committed or dead-lettered an event; null when it was silent all day. */
export function minutesSinceLastEvent(rows: readonly MinuteActivity[], now: Date): number | null {
  let last: number | undefined;
  for (const r of rows) {
    if (r.accepted + r.deadLettered > 0 && (last === undefined || r.minute.getTime() > last))
      last = r.minute.getTime();
  }
  if (last === undefined || now.getTime() - last > NO_EVENTS_LOOKBACK_MS) return null;
  return Math.max(0, (now.getTime() - (last + MINUTE_MS)) / MINUTE_MS);
}

/** Every subject's figure for every kind, with the rule that applies to it. */
export async function readFigures(
  src: FigureSources,
  stored: readonly StoredRule[],
  now: Date,
): Promise<Observation[]> {
  const out: Observation[] = [];
  const push = (
    kind: AlertKind,
    subjectId: string,
    subjectName: string,
    value: number | null | undefined,
  ) => {
    const rule = effectiveRule(kind, subjectId, stored);
    out.push({
      kind,
      subjectType: ALERT_KIND_INFO[kind].subjectType,
      subjectId,
      subjectName,
      value,
      threshold: rule.threshold,
      windowMinutes: rule.windowMinutes,
      enabled: rule.enabled,
    });
  };
  const rule = (kind: AlertKind, subject: string) => effectiveRule(kind, subject, stored);
  /** Reads one subject's figures; when that fails, its kinds get no value and the error is reported. */
  const guarded = async (subject: string, name: string, kinds: AlertKind[], read: () => Promise<void>) => {
    const before = out.length;
    try {
      await read();
    } catch (err) {
      if (!src.onSubjectError) throw err;
      src.onSubjectError(name, err);
      out.length = before;
      for (const kind of kinds) push(kind, subject, name, undefined);
    }
  };

  for (const name of ALERT_QUEUES) {
    await guarded(name, `queue ${name}`, ["oldest_message_age"], async () => {
      const stats = await src.queue.stats(name);
      push("oldest_message_age", name, name, stats.oldestAgeMs / 1000);
    });
  }

  const costRule = effectiveRule("cost_per_day", ALL_SUBJECTS, stored);
  const anyCostRule = costRule.enabled || stored.some((r) => r.kind === "cost_per_day" && r.enabled);
  let costs: Map<string, number> | undefined;
  try {
    costs = anyCostRule && src.costToday ? await src.costToday(now) : undefined;
  } catch (err) {
    // Without today's cost, cost_per_day is left as it is for every source; the other kinds are judged.
    if (!src.onSubjectError) throw err;
    src.onSubjectError("today's cost", err);
  }

  for (const source of await src.catalog.listSources()) {
    await guarded(source.id, source.slug, SOURCE_KINDS, async () => {
      const rows = await src.catalog.sourceActivityByMinute(
        source.id,
        new Date(now.getTime() - NO_EVENTS_LOOKBACK_MS),
      );
      const paused = source.status === "paused";
      push(
        "dead_letter_inflow",
        source.id,
        source.slug,
        deadLetterInflow(rows, now, rule("dead_letter_inflow", source.id).windowMinutes),
      );
      push(
        "throughput_drop",
        source.id,
        source.slug,
        paused ? null : throughputPercent(rows, now, rule("throughput_drop", source.id).windowMinutes),
      );
      push("no_events", source.id, source.slug, paused ? null : minutesSinceLastEvent(rows, now));
      const freshness = rule("freshness_p99", source.id);
      const latency = freshness.enabled
        ? await src.catalog.commitLatency(
            source.id,
            new Date(now.getTime() - freshness.windowMinutes * MINUTE_MS),
          )
        : undefined;
      push(
        "freshness_p99",
        source.id,
        source.slug,
        latency?.p99Ms === undefined ? undefined : latency.p99Ms / 1000,
      );
      // The operations dashboard's cost (its price sheet × what was measured); a source with no cost
      // item today has cost nothing.
      push("cost_per_day", source.id, source.slug, costs ? (costs.get(source.slug) ?? 0) : undefined);
    });
  }
  return out;
}

/** The kinds judged per source, in the order readFigures pushes them. */
const SOURCE_KINDS: AlertKind[] = [
  "dead_letter_inflow",
  "throughput_drop",
  "no_events",
  "freshness_p99",
  "cost_per_day",
];
