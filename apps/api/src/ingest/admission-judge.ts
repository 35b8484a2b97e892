// Admission control's rule: given the backlog figures and the bounds, whether a source's request is
// refused, with which status, code, message and Retry-After. Pure; admission-control.ts keeps the figures.
import { formatBytes } from "@inlet/lake-core";

/** Each 0 turns its bound off. */
export interface AdmissionBounds {
  sourceMaxBacklogBytes: number;
  sourceMaxBacklogAgeMs: number;
  maxQueueBacklogBytes: number;
  minFreeDiskBytes: number;
}

/** Where each bound is set, named in the refusal so an operator knows what to raise. */
export const ADMISSION_BOUND_ENV = {
  sourceMaxBacklogBytes: "INLET_SOURCE_MAX_BACKLOG_BYTES",
  sourceMaxBacklogAgeMs: "INLET_SOURCE_MAX_BACKLOG_AGE_SECONDS",
  maxQueueBacklogBytes: "INLET_MAX_QUEUE_BACKLOG_BYTES",
  minFreeDiskBytes: "INLET_MIN_FREE_DISK_BYTES",
} as const satisfies Record<keyof AdmissionBounds, string>;

/** The `reason` label of inlet_admission_refused_total. */
export type AdmissionReason =
  | "disk_free"
  | "queue_backlog_bytes"
  | "source_backlog_bytes"
  | "source_backlog_age";

export interface Backlog {
  bytes: number;
  /** Raw bytes committed or failed per second lately; undefined until measured. */
  drainBytesPerSecond: number | undefined;
}

export interface AdmissionFigures {
  /** Free bytes on the lake's disk; undefined when not measured (an s3:// lake). */
  freeDiskBytes: number | undefined;
  queue: Backlog;
  /** oldestAgeMs is 0 when the source has nothing queued. */
  source: Backlog & { oldestAgeMs: number };
}

export interface Refusal {
  status: 429 | 503;
  code: "SOURCE_BACKLOG" | "QUEUE_BACKLOG" | "DISK_SPACE_LOW";
  reason: AdmissionReason;
  /** The figure over its bound, with the bound and its setting (the message's first part). */
  situation: string;
  message: string;
  retryAfterSeconds: number;
}

export const MIN_RETRY_AFTER_SECONDS = 1;
export const MAX_RETRY_AFTER_SECONDS = 60;
/** Before a drain rate has been measured. */
const UNMEASURED_RETRY_AFTER_SECONDS = 5;

/**
 * Seconds until `bytes` will have drained at the measured rate, within 1–60: the longest wait when
 * nothing drains (workers stopped or stuck), a short one before the rate is known.
 */
export function retryAfterSeconds(bytes: number, drainBytesPerSecond: number | undefined): number {
  if (drainBytesPerSecond === undefined) return UNMEASURED_RETRY_AFTER_SECONDS;
  if (drainBytesPerSecond <= 0) return MAX_RETRY_AFTER_SECONDS;
  const seconds = Math.ceil(bytes / drainBytesPerSecond);
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(MIN_RETRY_AFTER_SECONDS, seconds));
}

/** A duration for people: seconds under two minutes, then minutes, then hours. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

const NOTHING_TAKEN = "nothing was accepted";

function tail(retryAfter: number): string {
  return `${NOTHING_TAKEN}: send it again after ${retryAfter} s (Retry-After; events are deduplicated by id)`;
}

/** A refusal with its message: the situation, then what the sender is to do. */
function refusal(r: Omit<Refusal, "message">): Refusal {
  return { ...r, message: `${r.situation}, so ${tail(r.retryAfterSeconds)}` };
}

/**
 * The first bound the request passes, server-wide ones first (disk, then the whole backlog), else
 * undefined: admitted. A bound is passed when the figure is over it (the disk: under it).
 */
export function judgeAdmission(
  slug: string,
  figures: AdmissionFigures,
  bounds: AdmissionBounds,
): Refusal | undefined {
  const { freeDiskBytes: free, queue, source } = figures;
  if (bounds.minFreeDiskBytes > 0 && free !== undefined && free < bounds.minFreeDiskBytes) {
    // Space comes back with retention and vacuum, or an operator: not within seconds.
    const retryAfter = MAX_RETRY_AFTER_SECONDS;
    return refusal({
      status: 503,
      code: "DISK_SPACE_LOW",
      reason: "disk_free",
      retryAfterSeconds: retryAfter,
      situation: `The lake's disk has ${formatBytes(free)} free, under the ${formatBytes(bounds.minFreeDiskBytes)} kept free (${ADMISSION_BOUND_ENV.minFreeDiskBytes})`,
    });
  }
  if (bounds.maxQueueBacklogBytes > 0 && queue.bytes > bounds.maxQueueBacklogBytes) {
    const retryAfter = retryAfterSeconds(
      queue.bytes - bounds.maxQueueBacklogBytes,
      queue.drainBytesPerSecond,
    );
    return refusal({
      status: 429,
      code: "QUEUE_BACKLOG",
      reason: "queue_backlog_bytes",
      retryAfterSeconds: retryAfter,
      situation: `The server has ${formatBytes(queue.bytes)} queued across all sources (bound ${formatBytes(bounds.maxQueueBacklogBytes)}, ${ADMISSION_BOUND_ENV.maxQueueBacklogBytes})`,
    });
  }
  if (bounds.sourceMaxBacklogBytes > 0 && source.bytes > bounds.sourceMaxBacklogBytes) {
    const retryAfter = retryAfterSeconds(
      source.bytes - bounds.sourceMaxBacklogBytes,
      source.drainBytesPerSecond,
    );
    return refusal({
      status: 429,
      code: "SOURCE_BACKLOG",
      reason: "source_backlog_bytes",
      retryAfterSeconds: retryAfter,
      situation: `Source ${slug} has ${formatBytes(source.bytes)} queued (bound ${formatBytes(bounds.sourceMaxBacklogBytes)}, ${ADMISSION_BOUND_ENV.sourceMaxBacklogBytes})`,
    });
  }
  if (bounds.sourceMaxBacklogAgeMs > 0 && source.oldestAgeMs > bounds.sourceMaxBacklogAgeMs) {
    // The oldest batch is gone at the latest once the source's whole backlog has drained.
    const retryAfter = retryAfterSeconds(source.bytes, source.drainBytesPerSecond);
    return refusal({
      status: 429,
      code: "SOURCE_BACKLOG",
      reason: "source_backlog_age",
      retryAfterSeconds: retryAfter,
      situation: `Source ${slug} has had a batch queued for ${formatDuration(source.oldestAgeMs)} (bound ${formatDuration(bounds.sourceMaxBacklogAgeMs)}, ${ADMISSION_BOUND_ENV.sourceMaxBacklogAgeMs})`,
    });
  }
  return undefined;
}
