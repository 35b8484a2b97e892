// Alert kinds, their built-in defaults, and how a subject's effective rule is found: an override for the
// subject, else an override for every subject of the kind ("*"), else the built-in default.
import { z } from "zod";

export const ALERT_KINDS = [
  "dead_letter_inflow",
  "oldest_message_age",
  "freshness_p99",
  "throughput_drop",
  "no_events",
  "cost_per_day",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export type SubjectType = "source" | "queue";

/** Every subject of a kind: the subject of an override that applies unless a subject has its own. */
export const ALL_SUBJECTS = "*";

export interface AlertKindInfo {
  subjectType: SubjectType;
  /** "above": fires when the figure exceeds the threshold; "below": when it falls under it. */
  direction: "above" | "below";
  unit: string;
  label: string;
  /** What the figure is and how it is read, for the rules table and the README. */
  describe: string;
  defaults: { threshold: number; windowMinutes: number; enabled: boolean };
}

export const ALERT_KIND_INFO: Record<AlertKind, AlertKindInfo> = {
  dead_letter_inflow: {
    subjectType: "source",
    direction: "above",
    unit: "letters",
    label: "Dead-letter inflow",
    describe: "dead letters recorded for the source in the last window (default 5 minutes)",
    defaults: { threshold: 10, windowMinutes: 5, enabled: true },
  },
  oldest_message_age: {
    subjectType: "queue",
    direction: "above",
    unit: "seconds",
    label: "Oldest message age",
    describe: "age of the oldest waiting or in-flight message in the queue",
    defaults: { threshold: 300, windowMinutes: 1, enabled: true },
  },
  freshness_p99: {
    subjectType: "source",
    direction: "above",
    unit: "seconds",
    label: "Freshness p99",
    describe: "99th percentile of accept → committed over the batches committed in the window",
    defaults: { threshold: 60, windowMinutes: 15, enabled: true },
  },
  throughput_drop: {
    subjectType: "source",
    direction: "below",
    unit: "%",
    label: "Throughput drop",
    describe:
      "events committed per minute over the window as a percentage of the trailing hour's rate (only once the trailing hour committed at least 60 events)",
    defaults: { threshold: 50, windowMinutes: 5, enabled: true },
  },
  no_events: {
    subjectType: "source",
    direction: "above",
    unit: "minutes",
    label: "No events",
    describe:
      "minutes since the source last committed or dead-lettered an event (only for sources active in the last 24 hours)",
    defaults: { threshold: 60, windowMinutes: 60, enabled: true },
  },
  cost_per_day: {
    subjectType: "source",
    direction: "above",
    unit: "USD",
    label: "Cost per day",
    describe:
      "the source's cost so far today (UTC), as the operations dashboard computes it from the price sheet",
    defaults: { threshold: 10, windowMinutes: 1440, enabled: true },
  },
};

/** Back under the threshold by this fraction before an episode resolves, so a figure hovering at the line does not flap. */
export const HYSTERESIS = 0.1;

export const alertKindSchema = z.enum(ALERT_KINDS);

export const ruleInputSchema = z.object({
  kind: alertKindSchema,
  /** A source id, a queue name, or "*" for every subject of the kind. */
  subject: z.string().min(1).max(200),
  threshold: z.number().finite().min(0, "a threshold cannot be negative").max(1e12),
  windowMinutes: z
    .number()
    .int()
    .min(1, "a window is at least 1 minute")
    .max(10_080, "a window is at most 7 days"),
  enabled: z.boolean(),
});
export type RuleInput = z.infer<typeof ruleInputSchema>;

export interface StoredRule {
  kind: string;
  subject: string;
  threshold: number;
  windowMinutes: number;
  enabled: boolean;
  updatedByEmail: string;
  updatedAt: Date;
}

export interface EffectiveRule {
  kind: AlertKind;
  subjectType: SubjectType;
  subject: string;
  threshold: number;
  windowMinutes: number;
  enabled: boolean;
  /** Where the values come from: the subject's own override, the kind's "*" override, or the built-in default. */
  origin: "subject" | "all" | "default";
  updatedByEmail: string | null;
  updatedAt: Date | null;
}

/** The rule that applies to `subject` for `kind`. */
export function effectiveRule(
  kind: AlertKind,
  subject: string,
  stored: readonly StoredRule[],
): EffectiveRule {
  const info = ALERT_KIND_INFO[kind];
  const own =
    subject !== ALL_SUBJECTS ? stored.find((r) => r.kind === kind && r.subject === subject) : undefined;
  const all = stored.find((r) => r.kind === kind && r.subject === ALL_SUBJECTS);
  const hit = own ?? all;
  return {
    kind,
    subjectType: info.subjectType,
    subject,
    threshold: hit?.threshold ?? info.defaults.threshold,
    windowMinutes: hit?.windowMinutes ?? info.defaults.windowMinutes,
    enabled: hit?.enabled ?? info.defaults.enabled,
    origin: own ? "subject" : all ? "all" : "default",
    updatedByEmail: hit?.updatedByEmail ?? null,
    updatedAt: hit?.updatedAt ?? null,
  };
}

/** Whether `value` breaches the rule (fires a new episode). */
export function breaches(kind: AlertKind, value: number, threshold: number): boolean {
  return ALERT_KIND_INFO[kind].direction === "above" ? value > threshold : value < threshold;
}

/** Leeway for floating point at the edge of the band (50 × 1.1 is 55.00000000000001). */
const EPSILON = 1e-9;

/** Whether `value` is back far enough on the right side of the threshold for an open episode to resolve. */
export function recovered(kind: AlertKind, value: number, threshold: number): boolean {
  return ALERT_KIND_INFO[kind].direction === "above"
    ? value <= threshold * (1 - HYSTERESIS) + EPSILON
    : value >= threshold * (1 + HYSTERESIS) - EPSILON;
}
