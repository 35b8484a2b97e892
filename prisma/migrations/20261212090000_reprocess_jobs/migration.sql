-- Reprocess from raw: jobs that re-derive a source's curated rows of an event-time range from its raw
-- batches and swap them in by one `reprocess` snapshot; letters whose events such a job landed.

ALTER TYPE "SnapshotOperation" ADD VALUE 'reprocess';

CREATE TABLE "reprocess_jobs" (
    "id" TEXT NOT NULL,
    "source_id" TEXT,
    "range_from" TIMESTAMP(3) NOT NULL,
    "range_to" TIMESTAMP(3) NOT NULL,
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "rate_per_second" INTEGER NOT NULL DEFAULT 5000,
    "status" "ReplayStatus" NOT NULL DEFAULT 'queued',
    -- queued, reading, committing, done
    "phase" TEXT NOT NULL DEFAULT 'queued',
    "batches_total" INTEGER NOT NULL DEFAULT 0,
    "batches_done" INTEGER NOT NULL DEFAULT 0,
    "events_total" INTEGER NOT NULL DEFAULT 0,
    "events_read" INTEGER NOT NULL DEFAULT 0,
    "result" JSONB,
    "snapshot_seq" INTEGER,
    "error" TEXT,
    "requested_by_id" TEXT,
    "requested_by_email" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "reprocess_jobs_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "reprocess_jobs_status_created_at_idx" ON "reprocess_jobs"("status", "created_at");
CREATE INDEX "reprocess_jobs_source_id_created_at_idx" ON "reprocess_jobs"("source_id", "created_at");

ALTER TABLE "reprocess_jobs" ADD CONSTRAINT "reprocess_jobs_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "reprocess_jobs" ADD CONSTRAINT "reprocess_jobs_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

ALTER TABLE "dead_letters" ADD COLUMN "reprocess_job_id" TEXT;
ALTER TABLE "dead_letters" ADD CONSTRAINT "dead_letters_reprocess_job_id_fkey" FOREIGN KEY ("reprocess_job_id") REFERENCES "reprocess_jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;
