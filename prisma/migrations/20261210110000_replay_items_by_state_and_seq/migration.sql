-- A replay job's runner takes its next queued letters in seq order: an index on (job, state, seq)
-- reads them in that order and stops at the chunk's end, instead of sorting every queued item.
DROP INDEX "replay_items_job_id_state_idx";
CREATE INDEX "replay_items_job_id_state_seq_idx" ON "replay_items"("job_id", "state", "seq");

-- A job holds its letters through its replay_items rows (found by letter_id), so creating a job of
-- many letters locks them without writing them; dead_letters.replay_job_id only names the last job
-- that sent a letter, and is never searched by.
DROP INDEX "dead_letters_replay_job_id_idx";
