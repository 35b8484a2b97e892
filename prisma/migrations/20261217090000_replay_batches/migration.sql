-- A replay batch is recorded once, as one row holding its letters' places, instead of by marking each
-- of its letters `sent` in replay_items: that per-letter update (a new row version and four index
-- entries each) was the largest share of a letter's cost in PostgreSQL. An item is now "sent" while
-- its state is still `queued` and its seq is at or below its job's cursor; its outcome (in the
-- worker's commit) then names the batch. With no index over state or batch_id left, that outcome
-- update touches no indexed column and can stay on the row's page (a HOT update).
CREATE TABLE "replay_batches" (
    "batch_id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    -- The items in the batch (and their letters), in body order, and where each one's events start and how many it has.
    "seqs" INTEGER[] NOT NULL,
    "letter_ids" TEXT[] NOT NULL,
    "first_index" INTEGER[] NOT NULL,
    "event_count" INTEGER[] NOT NULL,
    -- The id each event keeps when it carries none, one per event in body order.
    "assigned_ids" TEXT[] NOT NULL,
    "events" INTEGER NOT NULL,
    "first_seq" INTEGER NOT NULL,
    "sent_at" TIMESTAMP(3) NOT NULL,
    -- Set once none of its items is waiting for an outcome.
    "done_at" TIMESTAMP(3),

    CONSTRAINT "replay_batches_pkey" PRIMARY KEY ("batch_id")
);

CREATE INDEX "replay_batches_job_id_first_seq_idx" ON "replay_batches"("job_id", "first_seq");
CREATE INDEX "replay_batches_open_idx" ON "replay_batches"("job_id", "first_seq") WHERE "done_at" IS NULL;

ALTER TABLE "replay_batches" ADD CONSTRAINT "replay_batches_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "replay_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Batches in flight when this runs keep going: their items' places move to their batch's row.
INSERT INTO "replay_batches" ("batch_id", "job_id", "seqs", "letter_ids", "first_index", "event_count", "assigned_ids",
                              "events", "first_seq", "sent_at")
SELECT i."batch_id", i."job_id",
       array_agg(i."seq" ORDER BY i."first_index"),
       array_agg(i."letter_id" ORDER BY i."first_index"),
       array_agg(coalesce(i."first_index", 0) ORDER BY i."first_index"),
       array_agg(coalesce(i."event_count", 0) ORDER BY i."first_index"),
       ARRAY(SELECT u.id FROM "replay_items" i2, unnest(i2."assigned_ids") WITH ORDINALITY AS u(id, k)
             WHERE i2."batch_id" = i."batch_id" AND i2."job_id" = i."job_id" AND i2."state" = 'sent'
             ORDER BY i2."first_index", u.k),
       sum(coalesce(i."event_count", 0))::int, min(i."seq"),
       coalesce(min(i."sent_at"), now() AT TIME ZONE 'UTC')
FROM "replay_items" i
WHERE i."state" = 'sent' AND i."batch_id" IS NOT NULL
GROUP BY i."batch_id", i."job_id";

UPDATE "replay_items" SET "state" = 'queued', "batch_id" = NULL WHERE "state" = 'sent';

DROP INDEX "replay_items_batch_id_idx";
DROP INDEX "replay_items_job_id_state_seq_idx";

-- Room on each page for an item's one update (its outcome) to stay there.
ALTER TABLE "replay_items" SET (fillfactor = 70);
