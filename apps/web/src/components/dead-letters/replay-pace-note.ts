// What the console says of a running replay job that sends below its rate: with INLET_REPLAY_PRIORITY
// "live" it gives way while live ingest falls behind, and the runner records the rate it sends at.
import { formatCount } from "@/lib/format";

export interface PacedJob {
  status: string;
  ratePerSecond: number;
  sendingRate: number | null;
}

/** The note for a job giving way to live ingest; undefined while it runs at its rate or does not run. */
export function replayPaceNote(job: PacedJob): string | undefined {
  if (job.status !== "running" || job.sendingRate === null || job.sendingRate >= job.ratePerSecond) {
    return undefined;
  }
  return `Giving way to live ingest: sending at ${formatCount(job.sendingRate)} of ${formatCount(
    job.ratePerSecond,
  )} events/s while live batches wait for the workers; back to its rate once they catch up.`;
}
