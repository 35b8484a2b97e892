// A replay's dry run: for the letters a replay would take, how many would now pass the active schema
// (and of those, how many are in curated already and would be skipped as duplicates), the rest grouped
// by the reason they would still fail, the letters a job would refuse and why, and a preview of edited
// letters. Nothing is sent or stored; the events are judged by the worker's own code (judge-letter.ts).
import type { Catalog } from "../ports/catalog";
import type { DedupeIndex } from "../ports/dedupe-index";
import { NOT_EVENT_REASON_CODES, type ReplayCandidate, type ReplaySelection } from "../ports/replay-catalog";
import { dedupeIndexOf } from "../process/commit-group";
import { type LoadedSource, loadSource } from "../schema/source-schema";
import { type EventJudgement, judgeLetterEvents } from "./judge-letter";
import { letterEvents } from "./replay-letters";

export interface DryRunOptions {
  /** The most letters judged (default 100,000); `truncated` says when the selection holds more. */
  maxLetters?: number;
  /** How many edited letters are previewed (default 20). */
  previews?: number;
  limits?: { maxEventBytes: number };
}

/** Letters that would still fail for one reason at one pointer. */
export interface DryRunFailureGroup {
  reasonCode: string;
  /** JSON pointer of the (first) failing value; "" for the payload itself or none. */
  path: string;
  letters: number;
  /** One of the reasons, as the letter would hold it. */
  sample: string;
  /** The first few letters of the group. */
  letterIds: string[];
}

export interface DryRunPreview {
  letterId: string;
  source: string | null;
  eventId: string | null;
  /** The payload the replay would send (the newest edit), unmasked: the API applies the reader's rules. */
  payload: string;
  edited: boolean;
  wouldPass: boolean;
  /** Why it would fail, when it would. */
  reason: string | undefined;
}

export interface ReplayDryRun {
  /** Letters selected (judged ones; see truncated). */
  letters: number;
  /** Those a replay job would take now. */
  replayable: number;
  /** Would pass and land (at least one event not in curated yet). */
  wouldPass: number;
  /** Would pass, but every event is in curated already (or earlier in the selection): skipped as duplicates. */
  alreadyLanded: number;
  /** Would be refused again. */
  wouldFail: number;
  failures: DryRunFailureGroup[];
  /** Letters a replay job would refuse to take, by why. */
  notReplayable: { reason: string; letters: number; letterIds: string[] }[];
  events: { total: number; pass: number; fail: number; duplicate: number };
  /** The schema version each source's letters were judged against (undefined: schemaless). */
  schemaVersions: { source: string; version: number | undefined }[];
  previews: DryRunPreview[];
  truncated: boolean;
}

const PAGE = 1000;
const SAMPLE_IDS = 5;

/** Why a job would refuse the letter, or undefined when it would take it. */
function refusal(letter: ReplayCandidate): string | undefined {
  if (letter.heldBy !== null) return `being replayed by job ${letter.heldBy}`;
  if (letter.status !== "open") return `already ${letter.status}`;
  if (letter.sourceId === null) return "its source was deleted";
  if (letter.sourceStatus === "paused") return `source '${letter.source}' is paused`;
  if (NOT_EVENT_REASON_CODES.includes(letter.reasonCode))
    return `${letter.reasonCode} letters are not events`;
  return undefined;
}

export async function dryRunReplay(
  deps: { catalog: Catalog; dedupe?: DedupeIndex | undefined },
  selection: ReplaySelection,
  opts: DryRunOptions = {},
): Promise<ReplayDryRun> {
  const maxLetters = opts.maxLetters ?? 100_000;
  const maxPreviews = opts.previews ?? 20;
  const limits = opts.limits ?? { maxEventBytes: 1024 * 1024 };
  const out: ReplayDryRun = {
    letters: 0,
    replayable: 0,
    wouldPass: 0,
    alreadyLanded: 0,
    wouldFail: 0,
    failures: [],
    notReplayable: [],
    events: { total: 0, pass: 0, fail: 0, duplicate: 0 },
    schemaVersions: [],
    previews: [],
    truncated: false,
  };
  const sources = new Map<string, LoadedSource>();
  const failures = new Map<string, DryRunFailureGroup>();
  const refused = new Map<string, { reason: string; letters: number; letterIds: string[] }>();
  /** Dedupe ids per source seen earlier in the selection: a second copy would be a duplicate. */
  const seen = new Map<string, Set<string>>();
  const now = new Date();

  const fail = (letter: ReplayCandidate, code: string, path: string, reason: string) => {
    out.wouldFail += 1;
    const key = `${code}\n${path}`;
    const group = failures.get(key) ?? { reasonCode: code, path, letters: 0, sample: reason, letterIds: [] };
    group.letters += 1;
    if (group.letterIds.length < SAMPLE_IDS) group.letterIds.push(letter.id);
    failures.set(key, group);
  };
  const preview = (letter: ReplayCandidate, wouldPass: boolean, reason: string | undefined) => {
    if (!letter.edited || out.previews.length >= maxPreviews) return;
    out.previews.push({
      letterId: letter.id,
      source: letter.source,
      eventId: letter.eventId,
      payload: letter.payload,
      edited: letter.edited,
      wouldPass,
      reason,
    });
  };

  let cursor: string | undefined;
  do {
    const page = await deps.catalog.replayCandidates(selection, {
      cursor,
      limit: Math.min(PAGE, maxLetters - out.letters),
    });
    cursor = page.nextCursor;
    // Judged first, then the passing events' ids are looked up in the dedupe index a source at a time.
    const judged: { letter: ReplayCandidate; sourceId: string; judgements: EventJudgement[] }[] = [];
    for (const letter of page.items) {
      out.letters += 1;
      const why = refusal(letter);
      if (why !== undefined) {
        const key = why.startsWith("being replayed") ? why : why.replace(/'.*'/, "'…'");
        const r = refused.get(key) ?? { reason: why, letters: 0, letterIds: [] };
        r.letters += 1;
        if (r.letterIds.length < SAMPLE_IDS) r.letterIds.push(letter.id);
        refused.set(key, r);
        continue;
      }
      out.replayable += 1;
      const sourceId = letter.sourceId as string;
      let source = sources.get(sourceId);
      if (!source) {
        source = await loadSource(deps.catalog, sourceId);
        sources.set(sourceId, source);
      }
      const read = letterEvents(letter, limits);
      if (!read.ok) {
        fail(letter, "UNSENDABLE_PAYLOAD", "", read.reason);
        preview(letter, false, read.reason);
        continue;
      }
      judged.push({ letter, sourceId, judgements: judgeLetterEvents(source, read, now) });
    }
    const bySource = new Map<string, string[]>();
    for (const j of judged) {
      const ids = bySource.get(j.sourceId) ?? [];
      for (const e of j.judgements) if (e.pass) ids.push(e.dedupeId);
      bySource.set(j.sourceId, ids);
    }
    const claimed = new Map<string, Set<string>>();
    for (const [sourceId, ids] of bySource) {
      claimed.set(sourceId, await dedupeIndexOf(deps).claimed(sourceId, ids));
    }
    for (const { letter, sourceId, judgements } of judged) {
      out.events.total += judgements.length;
      const failed = judgements.find((e) => !e.pass);
      const earlier = seen.get(sourceId) ?? new Set<string>();
      seen.set(sourceId, earlier);
      let landing = 0;
      for (const e of judgements) {
        if (!e.pass) {
          out.events.fail += 1;
        } else if (claimed.get(sourceId)?.has(e.dedupeId) || earlier.has(e.dedupeId)) {
          out.events.duplicate += 1;
        } else {
          out.events.pass += 1;
          landing += 1;
        }
        if (e.pass) earlier.add(e.dedupeId);
      }
      if (failed && !failed.pass) {
        fail(letter, failed.code, failed.path ?? "", failed.reason);
        preview(letter, false, failed.reason);
      } else {
        if (landing > 0) out.wouldPass += 1;
        else out.alreadyLanded += 1;
        preview(letter, true, undefined);
      }
    }
  } while (cursor !== undefined && out.letters < maxLetters);

  out.truncated = cursor !== undefined;
  out.failures = [...failures.values()].sort((a, b) => b.letters - a.letters);
  out.notReplayable = [...refused.values()].sort((a, b) => b.letters - a.letters);
  out.schemaVersions = [...sources.values()].map((s) => ({ source: s.slug, version: s.schemaVersion }));
  return out;
}
