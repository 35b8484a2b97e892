-- Replaying dead letters: background replay jobs with a rate, a cursor and per-letter outcomes; edits
-- of a letter's payload (the newest is what a replay sends) and discards with a reason.

-- A job waits as 'queued' (was 'pending', never used) and may be paused.
ALTER TYPE "ReplayStatus" RENAME VALUE 'pending' TO 'queued';
ALTER TYPE "ReplayStatus" ADD VALUE 'paused' AFTER 'running';

-- A job's progress is counted from its items; the columns that would have held it go.
ALTER TABLE "replay_jobs"
  DROP COLUMN "dry_run",
  DROP COLUMN "succeeded",
  DROP COLUMN "failed",
  ALTER COLUMN "rate_per_second" SET DEFAULT 5000,
  ADD COLUMN "requested_by_email" TEXT NOT NULL DEFAULT '',
  -- The highest item seq handed to a replay batch: a job resumed after a restart goes on after it.
  ADD COLUMN "cursor" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "error" TEXT,
  ADD COLUMN "started_at" TIMESTAMP(3),
  ADD COLUMN "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

CREATE INDEX "replay_jobs_status_created_at_idx" ON "replay_jobs"("status", "created_at");

-- Each letter a job replays, in the order it sends them (seq 1..total), with the replay batch that
-- carried it (its events at first_index .. first_index + event_count - 1 of that batch) and what became
-- of it, recorded by the worker in the transaction that commits the batch.
CREATE TABLE "replay_items" (
    "job_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "letter_id" TEXT NOT NULL,
    "source_id" TEXT,
    -- queued, sent, landed, duplicate, failed, skipped
    "state" TEXT NOT NULL DEFAULT 'queued',
    "batch_id" TEXT,
    "first_index" INTEGER,
    "event_count" INTEGER,
    -- The id each event keeps when it carries none (the one first assigned to it), by position.
    "assigned_ids" TEXT[],
    "landed" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "table_name" TEXT,
    "snapshot_seq" INTEGER,
    "reason_code" TEXT,
    "reason" TEXT,
    "path" TEXT,
    "sent_at" TIMESTAMP(3),
    "done_at" TIMESTAMP(3),

    CONSTRAINT "replay_items_pkey" PRIMARY KEY ("job_id", "seq")
);

CREATE INDEX "replay_items_letter_id_idx" ON "replay_items"("letter_id");
CREATE INDEX "replay_items_batch_id_idx" ON "replay_items"("batch_id") WHERE "batch_id" IS NOT NULL;
CREATE INDEX "replay_items_job_id_state_idx" ON "replay_items"("job_id", "state");

ALTER TABLE "replay_items" ADD CONSTRAINT "replay_items_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "replay_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "replay_items" ADD CONSTRAINT "replay_items_letter_id_fkey" FOREIGN KEY ("letter_id") REFERENCES "dead_letters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Edits of a letter's payload, oldest first; a replay sends the newest.
CREATE TABLE "dead_letter_edits" (
    "id" BIGSERIAL NOT NULL,
    "letter_id" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "actor_id" TEXT,
    "actor_email" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dead_letter_edits_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "dead_letter_edits_letter_id_id_idx" ON "dead_letter_edits"("letter_id", "id");

ALTER TABLE "dead_letter_edits" ADD CONSTRAINT "dead_letter_edits_letter_id_fkey" FOREIGN KEY ("letter_id") REFERENCES "dead_letters"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "dead_letter_edits" ADD CONSTRAINT "dead_letter_edits_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Who discarded a letter and why (resolved_at says when). A letter a replay refused again keeps the new
-- reason (so it groups with its current cause); the reason it was first received with is kept here.
ALTER TABLE "dead_letters"
  ADD COLUMN "discarded_by_email" TEXT,
  ADD COLUMN "discard_reason" TEXT,
  ADD COLUMN "received_reason_code" TEXT,
  ADD COLUMN "received_reason" TEXT,
  ADD COLUMN "received_path" TEXT;

CREATE INDEX "dead_letters_replay_job_id_idx" ON "dead_letters"("replay_job_id");
