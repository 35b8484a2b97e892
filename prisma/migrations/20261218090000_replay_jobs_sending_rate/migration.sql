-- The rate a running replay job sends at while it gives way to live ingest (INLET_REPLAY_PRIORITY=live),
-- below its configured rate_per_second; null while it sends at its configured rate. Written by the
-- job's runner when the rate changes (at most once a chunk), read by the console to say why the job
-- goes slower than asked.
ALTER TABLE "replay_jobs" ADD COLUMN "sending_rate" INTEGER;
