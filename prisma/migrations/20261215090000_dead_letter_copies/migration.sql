-- Dead letters are deduplicated like curated rows: an invalid event its producer sends again is counted
-- as one more copy of the open letter received for the same event and cause, not recorded again.
-- `copies` counts the copies received, `last_received_at` says when the latest came (created_at: the first).
ALTER TABLE "dead_letters" ADD COLUMN "copies" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "dead_letters" ADD COLUMN "last_received_at" TIMESTAMP(3);
UPDATE "dead_letters" SET "last_received_at" = "created_at";
ALTER TABLE "dead_letters" ALTER COLUMN "last_received_at" SET NOT NULL;
ALTER TABLE "dead_letters" ALTER COLUMN "last_received_at" SET DEFAULT CURRENT_TIMESTAMP;

-- Open letters recorded more than once already are merged: one stays open (one with edits first, then
-- the oldest) with the others' copies; the others are discarded, naming it, and keep their history.
WITH keyed AS (
  SELECT d."id", d."created_at", d."copies",
         first_value(d."id") OVER w AS "kept_id",
         row_number() OVER w AS "n"
  FROM "dead_letters" d
  WHERE d."status" = 'open' AND d."event_id" IS NOT NULL AND d."received_reason_code" IS NULL
  WINDOW w AS (
    PARTITION BY d."source_id", d."event_id", d."reason_code", d."path", d."schema_version"
    ORDER BY (EXISTS (SELECT 1 FROM "dead_letter_edits" e WHERE e."letter_id" = d."id")) DESC,
             d."created_at", d."id"
    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
  )
),
merged AS (
  SELECT "kept_id", sum("copies")::int AS "copies", max("created_at") AS "last_received_at"
  FROM keyed GROUP BY "kept_id" HAVING count(*) > 1
),
kept AS (
  UPDATE "dead_letters" d SET "copies" = m."copies", "last_received_at" = m."last_received_at"
  FROM merged m WHERE d."id" = m."kept_id"
  RETURNING d."id"
)
UPDATE "dead_letters" d
SET "status" = 'discarded', "resolved_at" = (now() AT TIME ZONE 'UTC'), "discarded_by_email" = 'inlet',
    "discard_reason" = 'a copy of letter ' || k."kept_id" || ', which counts it'
FROM keyed k
WHERE d."id" = k."id" AND k."n" > 1;

-- One open letter per (source, event id, cause); the cause is what the grouped view groups by (reason
-- code, JSON pointer, schema version). Letters without an event id (a line that could not be read,
-- a poison batch, a landing file) are never merged, and a letter a replay refused again (its cause
-- changed; received_reason_code holds the first) no longer takes copies: a later copy opens a new one.
CREATE UNIQUE INDEX "dead_letters_open_event_cause_key" ON "dead_letters"
  ("source_id", "event_id", "reason_code", "path", "schema_version") NULLS NOT DISTINCT
  WHERE "status" = 'open' AND "event_id" IS NOT NULL AND "received_reason_code" IS NULL;
