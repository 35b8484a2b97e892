// An analytics table's refresh in words: when it is refreshed, how fresh each input is, and what a
// refresh just did.
import { formatCount } from "@/lib/format";

export interface AnalyticsDetails {
  definition: string;
  inputs: { name: string; zone: string | null; readSeq: number; currentSeq: number | null }[];
  refreshMode: "on_commit" | "schedule";
  scheduleMinutes: number | null;
  lastRefresh: { at: Date | null; status: "never" | "ok" | "failed"; error: string | null };
}

/** When the table is refreshed, in words. */
export function describeRefreshMode(mode: AnalyticsDetails["refreshMode"], minutes: number | null): string {
  if (mode === "on_commit") return "When an input commits a new snapshot";
  if (minutes === null) return "On a schedule";
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return `Every ${hours === 1 ? "hour" : `${formatCount(hours)} hours`}`;
  }
  return `Every ${minutes === 1 ? "minute" : `${formatCount(minutes)} minutes`}`;
}

/** An input's freshness: whether the last good refresh read its current snapshot. */
export function describeInput(input: AnalyticsDetails["inputs"][number]): string {
  if (input.currentSeq === null) return "gone: the table no longer exists";
  if (input.readSeq === 0) return `not read yet (now at snapshot ${formatCount(input.currentSeq)})`;
  if (input.readSeq >= input.currentSeq) return `read at snapshot ${formatCount(input.readSeq)}, its latest`;
  return `read at snapshot ${formatCount(input.readSeq)}; now at ${formatCount(input.currentSeq)}`;
}

export type RefreshResult =
  | { status: "refreshed"; mode: "full" | "incremental"; partitions: string[] | null; rows: number }
  | { status: "failed"; error: string | null }
  | { status: "superseded" | "busy"; error: string | null };

export function describeRefreshResult(r: RefreshResult): string {
  if (r.status === "refreshed") {
    if (r.mode === "incremental") {
      return r.partitions && r.partitions.length > 0
        ? `Refreshed: recomputed ${r.partitions.join(", ")}.`
        : "Refreshed: no input partition changed.";
    }
    return `Refreshed: ${formatCount(r.rows)} ${r.rows === 1 ? "row" : "rows"} written.`;
  }
  if (r.status === "failed") return "The refresh failed; the table keeps its last good snapshot.";
  return "The definition changed while the refresh ran; its result was discarded.";
}
