// A dead letter's history entries (replays.history) in words: what happened, a detail line, and the
// tone of its dot on the letter's timeline.

export type HistoryEntry = { at: Date; kind: string } & Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** One entry in words, and its tone on the timeline. */
export function describeHistoryEntry(e: HistoryEntry): {
  title: string;
  detail?: string;
  tone: "gray" | "green" | "red" | "blue";
} {
  const job = text(e.jobId);
  const by = text(e.by);
  switch (e.kind) {
    case "received":
      return {
        title: `Received, refused: ${text(e.reasonCode) ?? "?"}`,
        detail: text(e.reason),
        tone: "red",
      };
    case "edited":
      return { title: `Edited by ${by ?? "someone"}`, tone: "blue" };
    case "replay_queued":
      return { title: `Queued in replay job ${job}`, detail: by ? `by ${by}` : undefined, tone: "blue" };
    case "replay_sent":
      return { title: `Sent by job ${job}`, detail: `in batch ${text(e.batchId) ?? "?"}`, tone: "blue" };
    case "landed": {
      const where =
        e.snapshotSeq !== null && e.snapshotSeq !== undefined
          ? `in snapshot ${String(e.snapshotSeq)} of ${text(e.table) ?? "its table"}`
          : `in ${text(e.table) ?? "curated"}`;
      return { title: `Landed ${where}`, detail: `replayed by job ${job}`, tone: "green" };
    }
    case "duplicate":
      return { title: "Already in curated: skipped as a duplicate", detail: `job ${job}`, tone: "green" };
    case "failed_again":
      return {
        title: `Failed again: ${text(e.reasonCode) ?? "refused"}${text(e.path) ? ` at ${text(e.path)}` : ""}`,
        detail: [text(e.reason), `job ${job}`].filter(Boolean).join(" · "),
        tone: "red",
      };
    case "skipped":
      return { title: `Skipped by job ${job}`, detail: text(e.reason), tone: "gray" };
    case "reprocessed": {
      const where =
        e.snapshotSeq !== null && e.snapshotSeq !== undefined
          ? `in snapshot ${String(e.snapshotSeq)} of ${text(e.table) ?? "its table"}`
          : `in ${text(e.table) ?? "curated"}`;
      return {
        title: `Landed ${where} by reprocessing its raw batch`,
        detail: [`reprocess job ${job}`, by ? `by ${by}` : undefined].filter(Boolean).join(" · "),
        tone: "green",
      };
    }
    case "discarded":
      return {
        title: `Discarded${by ? ` by ${by}` : ""}`,
        detail: text(e.reason),
        tone: "gray",
      };
    default:
      return { title: e.kind, tone: "gray" };
  }
}

/** Whether a replay has the letter in flight: queued or sent, with no outcome after it yet. */
export function inFlight(entries: readonly { kind: string }[]): boolean {
  const last = entries.at(-1)?.kind;
  return last === "replay_queued" || last === "replay_sent";
}
