-- A bounded dedupe window per source: claims older than the source's window no longer count, and the
-- index is partitioned by the UTC day of the claim so expired days are dropped a partition at a time
-- (the worker's maintenance creates upcoming days and drops those past every source's window).
ALTER TABLE "sources" ADD COLUMN "dedupe_window_hours" INTEGER NOT NULL DEFAULT 168;

ALTER TABLE "seen_events" RENAME TO "seen_events_old";
ALTER TABLE "seen_events_old" RENAME CONSTRAINT "seen_events_pkey" TO "seen_events_old_pkey";

CREATE TABLE "seen_events" (
    "key" UUID NOT NULL,
    "day" DATE NOT NULL DEFAULT ((now() AT TIME ZONE 'UTC'))::date,
    "source_id" TEXT NOT NULL,
    "seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "seen_events_pkey" PRIMARY KEY ("key", "day")
) PARTITION BY RANGE ("day");

-- One partition per day from the oldest claim kept (at most the longest window, 90 days, back) to a
-- week ahead; claims older than that are past every window and are not carried over.
DO $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  first date := greatest(today - 91, least(today - 1, coalesce((SELECT min("seen_at")::date FROM "seen_events_old"), today - 1)));
  d date;
BEGIN
  d := first;
  WHILE d <= today + 7 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "seen_events" FOR VALUES FROM (%L) TO (%L)',
                   'seen_events_p' || to_char(d, 'YYYYMMDD'), d, d + 1);
    d := d + 1;
  END LOOP;
  INSERT INTO "seen_events" ("key", "day", "source_id", "seen_at")
  SELECT "key", "seen_at"::date, "source_id", "seen_at" FROM "seen_events_old" WHERE "seen_at"::date >= first;
END $$;

DROP TABLE "seen_events_old";
