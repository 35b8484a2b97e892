-- Dead letters grouped by cause (source × reason × JSON pointer × schema version) and filtered by time.

-- The version number of the source's schema a letter was judged against when the worker refused it;
-- NULL where no schema judged it (a malformed body refused by the API, a poison batch, a landing file,
-- a schemaless source) and for letters recorded before this column.
ALTER TABLE "dead_letters" ADD COLUMN "schema_version" INTEGER;

-- The grouped view and the lists filtered by status and time across every source, and the lookup of
-- each group's newest letter by its time.
CREATE INDEX "dead_letters_status_created_at_idx" ON "dead_letters"("status", "created_at");

-- Payload search has no index of its own on purpose: a pg_trgm GIN index over the payload made a
-- search of 300,000 letters take milliseconds instead of about a second, but recording each dead
-- letter 3-4 times as costly (about 20 µs → 75-90 µs), and that is the worker's hot path exactly when
-- a broken producer gets every event refused. The search is bounded instead (see
-- packages/lake-core/src/catalog/dead-letter-groups.ts).
