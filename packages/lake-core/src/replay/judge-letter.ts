// Judging a letter's events as the worker would now: read from the body a replay batch would carry
// (iterateEvents, the ids they would keep) and judged against the source's active schema (judgeEvent),
// so a dry run and an edit's check agree with what the replay will do.
import { iterateEvents } from "../ingest/batch-events";
import { pointerOfPath } from "../ingest/event-fields";
import { judgeEvent } from "../process/judge-event";
import type { LoadedSource } from "../schema/source-schema";
import { type ReplayFormat, replayBody } from "./replay-letters";

/** One problem of an event, at a JSON pointer into it. */
export interface EventProblemAt {
  /** 0-based event of the letter. */
  event: number;
  code: string;
  path: string;
  message: string;
}

export type EventJudgement =
  | { index: number; pass: true; id: string; dedupeId: string }
  | {
      index: number;
      pass: false;
      code: string;
      reason: string;
      path: string | undefined;
      /** Every problem found (all schema violations, each at its pointer). */
      problems: EventProblemAt[];
    };

/** The letter's events judged in order, one judgement per event. */
export function judgeLetterEvents(
  source: LoadedSource,
  read: { format: ReplayFormat; events: string[]; assignedIds: string[] },
  now: Date = new Date(),
): EventJudgement[] {
  const body = replayBody(read.format, read.events);
  const out: EventJudgement[] = [];
  for (const ev of iterateEvents({
    body,
    format: read.format,
    source,
    batchId: "dry-run",
    receivedAt: now,
    assignedId: (index) => read.assignedIds[index],
    onInvalid: (problem) => {
      const index = problem.index ?? 0;
      const path =
        problem.code === "INVALID_EVENT_ID" && problem.field !== undefined
          ? pointerOfPath(problem.field)
          : problem.field !== undefined
            ? `/${problem.field}`
            : "";
      out.push({
        index,
        pass: false,
        code: problem.code,
        reason: problem.message,
        path,
        problems: [{ event: index, code: problem.code, path, message: problem.message }],
      });
    },
  })) {
    const verdict = judgeEvent(ev, source, body);
    if (!verdict.rejected) {
      out.push({ index: ev.index, pass: true, id: ev.id, dedupeId: ev.dedupeId });
      continue;
    }
    const { code, reason, path } = verdict.rejected;
    // A schema's verdict lists every violation (the worker's reason joins them in one text).
    const violation = code === "SCHEMA_VIOLATION" ? source.schema.validate?.(ev.payload) : undefined;
    const problems: EventProblemAt[] = violation
      ? [violation, ...(violation.others ?? [])].map((v) => ({
          event: ev.index,
          code,
          path: v.path,
          message: v.message,
        }))
      : [{ event: ev.index, code, path: path ?? "", message: reason }];
    out.push({ index: ev.index, pass: false, code, reason, path, problems });
  }
  return out.sort((a, b) => a.index - b.index);
}
