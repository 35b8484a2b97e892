// A replay job's progress as the console shows it: the bar's segments (landed, duplicates, still
// failing, sent and skipped, of the total), whether the job is still moving (poll it), and the rate
// field's check before it is sent.

export interface ReplayProgressCounts {
  total: number;
  queued: number;
  sent: number;
  replayed: number;
  landed: number;
  duplicates: number;
  stillFailing: number;
  skipped: number;
}

export type ReplayJobStatus = "queued" | "running" | "paused" | "cancelled" | "succeeded" | "failed";

export interface ProgressSegment {
  key: "landed" | "duplicates" | "stillFailing" | "sent" | "skipped";
  label: string;
  count: number;
  /** Share of the total, 0–100, rounded down to a tenth so the segments never add past 100. */
  percent: number;
}

const SEGMENTS: { key: ProgressSegment["key"]; label: string }[] = [
  { key: "landed", label: "landed" },
  { key: "duplicates", label: "duplicates" },
  { key: "stillFailing", label: "still failing" },
  { key: "sent", label: "sent, not committed yet" },
  { key: "skipped", label: "skipped" },
];

export function progressSegments(p: ReplayProgressCounts): ProgressSegment[] {
  return SEGMENTS.map(({ key, label }) => {
    const count = Math.max(0, p[key]);
    const percent = p.total > 0 ? Math.floor((Math.min(count, p.total) / p.total) * 1000) / 10 : 0;
    return { key, label, count, percent };
  });
}

/** Letters settled (landed, duplicate, failed again or skipped) as a whole percentage of the total. */
export function donePercent(p: ReplayProgressCounts): number {
  if (p.total <= 0) return 100;
  const done = p.landed + p.duplicates + p.stillFailing + p.skipped;
  return Math.min(100, Math.floor((done / p.total) * 100));
}

/** Whether the job may still change by itself (the panel polls while any does). */
export function isActive(status: ReplayJobStatus): boolean {
  return status === "queued" || status === "running";
}

export function canPause(status: ReplayJobStatus): boolean {
  return status === "queued" || status === "running";
}

export function canResume(status: ReplayJobStatus): boolean {
  return status === "paused";
}

export function canCancel(status: ReplayJobStatus): boolean {
  return status === "queued" || status === "running" || status === "paused";
}

export const DEFAULT_RATE = 5000;

/** The rate typed into the field: a whole number of events per second of at least 1, or why not. */
export function parseRate(text: string): { rate: number } | { error: string } {
  const trimmed = text.trim().replace(/[,_\s]/g, "");
  if (!/^\d+$/.test(trimmed)) return { error: "must be a whole number of events per second" };
  const rate = Number(trimmed);
  if (rate < 1) return { error: "must be at least 1 event per second" };
  if (!Number.isSafeInteger(rate)) return { error: "is too large" };
  return { rate };
}
