// The reprocess form's rules as the console applies them before the API checks again: the default
// range (the last day, to the next whole minute), datetime-local text ⇄ instants, and a job's progress.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A datetime-local value ("2026-12-05T16:00") of the instant, in the browser's time zone. */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The instant a datetime-local value names in the browser's time zone; undefined when it names none. */
export function fromLocalInput(text: string): Date | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(text)) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The last day up to the next whole minute (so events that just arrived are in it). */
export function defaultRange(now: number): { from: string; to: string } {
  const to = new Date(Math.ceil((now + 1) / MINUTE) * MINUTE);
  return { from: toLocalInput(new Date(to.getTime() - DAY)), to: toLocalInput(to) };
}

/** What is wrong with the form, or undefined: a range whose end is after its start, a whole rate ≥ 1. */
export function reprocessFormProblem(form: { from: string; to: string; rate: string }): string | undefined {
  const from = fromLocalInput(form.from);
  const to = fromLocalInput(form.to);
  if (!from) return "Enter when the range starts.";
  if (!to) return "Enter when the range ends.";
  if (to.getTime() <= from.getTime()) return "The range must end after it starts.";
  if (!/^\d+$/.test(form.rate.trim()) || Number(form.rate) < 1) {
    return "The rate must be a whole number of events per second, at least 1.";
  }
  return undefined;
}

export type ReprocessJobStatus = "queued" | "running" | "paused" | "succeeded" | "failed" | "cancelled";

export function isReprocessActive(status: ReprocessJobStatus): boolean {
  return status === "queued" || status === "running";
}

/** Per cent of the raw events read (of batches when no events are counted yet), 0–100. */
export function reprocessPercent(job: {
  status: ReprocessJobStatus;
  phase: string;
  batchesTotal: number;
  batchesDone: number;
  eventsTotal: number;
  eventsRead: number;
}): number {
  if (job.status === "succeeded") return 100;
  if (job.eventsTotal > 0) return Math.min(100, Math.floor((job.eventsRead / job.eventsTotal) * 100));
  if (job.batchesTotal > 0) return Math.min(100, Math.floor((job.batchesDone / job.batchesTotal) * 100));
  return job.phase === "committing" ? 100 : 0;
}
