-- The record of a batch's events the ingest API judged ({raw_key}.judged.json, beside the raw object)
-- is needed only until the batch is committed or failed. The worker deletes it then, best effort; this
-- flag says a record may still be in the store, so the vacuum's sweep finds the records a crash (or a
-- failed delete) left behind without listing the raw zone, and clears the flag once they are gone.
ALTER TABLE "batches" ADD COLUMN "judged_record" BOOLEAN NOT NULL DEFAULT false;

-- Batches judged at ingest before this migration: their records were never deleted.
UPDATE "batches" SET "judged_record" = true
WHERE "validated_schema_version" IS NOT NULL AND "raw_key" LIKE '%.ndjson';

CREATE INDEX "batches_judged_record_idx" ON "batches"("committed_at") WHERE "judged_record";
