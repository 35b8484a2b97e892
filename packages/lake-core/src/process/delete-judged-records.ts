// The records of judged events ({rawKey}.judged.json) of finished batches, deleted: the worker reads a
// record only while its batch waits to be committed.
import { errorMessage } from "../errors";
import { judgedEventsKey } from "../ingest/accept-judgement";
import type { ProcessDeps } from "./process-outcome";

/**
 * Deletes the records of judged events of batches just committed or failed: nothing reads them once a
 * batch is finished (a redelivery is acked unread; reprocessing judges the raw object again). Best
 * effort: a record left here, by a failed delete or a crash before it, is deleted by the vacuum's sweep
 * (maintenance/judged-records.ts), which the batch row's judged_record flag points at.
 */
export async function deleteJudgedRecords(
  deps: Pick<ProcessDeps, "store" | "logger">,
  batches: readonly { rawKey: string; validatedSchemaVersion?: number | undefined }[],
): Promise<void> {
  const keys = batches
    .filter((b) => b.validatedSchemaVersion !== undefined && b.rawKey.endsWith(".ndjson"))
    .map((b) => judgedEventsKey(b.rawKey));
  if (keys.length === 0) return;
  await deps.store.delete(keys).catch((err: unknown) => {
    deps.logger?.warn(
      { err: errorMessage(err), records: keys.length },
      "could not delete the records of judged events of finished batches; the vacuum will",
    );
  });
}
