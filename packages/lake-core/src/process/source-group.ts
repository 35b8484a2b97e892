// One source's share of a received group: load the source and its table, read the raw batches,
// accumulate candidate rows, commit them, then ack; a failed group commit is retried batch by batch.
import { errorMessage } from "../errors";
import {
  decodeJudgedEvents,
  type JudgedEvents,
  judgedEventsKey,
  judgedVersion,
} from "../ingest/accept-judgement";
import type { CuratedTable } from "../ports/catalog";
import type { ReceivedMessage } from "../ports/queue";
import { evolveColumns } from "../schema/schema-columns";
import { type LoadedSource, loadSource } from "../schema/source-schema";
import { accumulateCandidates } from "./accumulate-candidates";
import { commitGroup } from "./commit-group";
import { deleteJudgedRecords } from "./delete-judged-records";
import { failPoint } from "./failpoints";
import type { PendingBatch, ProcessDeps, ProcessOutcome } from "./process-outcome";
import { readRaw } from "./read-raw-batch";
import { REPLAY_ORIGIN } from "./replay-outcomes";

export interface GroupContext {
  deps: ProcessDeps;
  queueName: string;
  out: ProcessOutcome;
  nack: (msg: ReceivedMessage, error: string) => Promise<void>;
}

/**
 * Never throws for a bad batch: its message is handed back (nack) with the error. Messages are acked
 * only after the commit that covers them.
 */
export async function processSourceGroup(
  ctx: GroupContext,
  sourceId: string,
  group: PendingBatch[],
): Promise<void> {
  const { deps, out, nack } = ctx;
  let source: LoadedSource;
  let table: CuratedTable;
  try {
    source = await loadSource(deps.catalog, sourceId);
    table = await deps.catalog.ensureCuratedTable(source, evolveColumns(source.schema.columns));
    // A replay batch's letters: the ids its events keep and where each letter's outcome goes.
    const replays = group.filter((b) => b.origin === REPLAY_ORIGIN);
    if (replays.length > 0) {
      const manifests = await deps.catalog.replayManifests(replays.map((b) => b.batchId));
      for (const b of replays) b.replay = manifests.get(b.batchId) ?? [];
    }
  } catch (err) {
    for (const b of group) await nack(b.msg, `source ${sourceId}: ${errorMessage(err)}`);
    return;
  }

  const phase = out.phaseMs;
  const readStarted = performance.now();
  const bodies = await Promise.all(
    group.map((b) =>
      Promise.all([readRaw(deps.store, b.rawKey), readJudgedEvents(deps, source, b)]).then(
        ([body, judged]) => ({ b, body, error: undefined, judged }),
        (err: unknown) => ({ b, body: undefined, error: errorMessage(err), judged: undefined }),
      ),
    ),
  );
  const parseStarted = performance.now();
  phase.read += parseStarted - readStarted;
  const candidates = await accumulateCandidates(source, bodies, nack);
  phase.parse += performance.now() - parseStarted;
  const { parsed } = candidates;
  if (parsed.length === 0) return;

  let committedBatches: PendingBatch[] = [];
  try {
    const { committed, filesWritten } = await commitGroup(deps, source, table, candidates, phase);
    committedBatches = committed.map((p) => p.batch);
    out.filesWritten += filesWritten;
    const now = Date.now();
    for (const p of committed) {
      out.committed += 1;
      out.accepted += p.outcome.accepted;
      out.rejected += p.outcome.rejected;
      out.duplicates += p.outcome.duplicates;
      out.freshnessMs.push(now - p.batch.receivedAt.getTime());
    }
    out.alreadyDone += parsed.length - committed.length;
  } catch (err) {
    if (parsed.length > 1) {
      // One bad batch must not hold the others back: retry them one by one, so only it is retried.
      deps.logger?.warn(
        { err: errorMessage(err), batches: parsed.length },
        "group commit failed; retrying batch by batch",
      );
      for (const p of parsed) await processSourceGroup(ctx, sourceId, [p.batch]);
    } else {
      for (const p of parsed) await nack(p.batch.msg, `commit failed: ${errorMessage(err)}`);
    }
    return;
  }
  failPoint("after-commit-before-ack");
  await Promise.all(
    parsed.map((p) =>
      deps.queue.ack(ctx.queueName, p.batch.msg).catch((err: unknown) => {
        // Committed already: a redelivery finds the batch committed and is acked without work.
        deps.logger?.warn({ err: errorMessage(err), batchId: p.batch.batchId }, "ack after commit failed");
      }),
    ),
  );
  await deleteJudgedRecords(deps, committedBatches);
}

/**
 * The events ingest judged, for a batch judged against the source's version still active: its rows
 * are then built without parsing its lines. Undefined otherwise, or when the record is missing or
 * unreadable (the batch is judged here, as any other).
 */
async function readJudgedEvents(
  deps: ProcessDeps,
  source: LoadedSource,
  b: PendingBatch,
): Promise<JudgedEvents | undefined> {
  if (b.validatedSchemaVersion !== judgedVersion(source) || !b.rawKey.endsWith(".ndjson")) return undefined;
  const bytes = await deps.store.get(judgedEventsKey(b.rawKey)).catch(() => undefined);
  return bytes ? decodeJudgedEvents(bytes) : undefined;
}
