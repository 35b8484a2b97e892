-- The dedupe index is keyed by a fixed 16-byte hash of (source, event id) instead of two text
-- columns; existing claims are carried over.
ALTER TABLE "seen_events" RENAME TO "seen_events_old";
ALTER TABLE "seen_events_old" RENAME CONSTRAINT "seen_events_pkey" TO "seen_events_old_pkey";

-- CreateTable
CREATE TABLE "seen_events" (
    "key" UUID NOT NULL,
    "source_id" TEXT NOT NULL,
    "seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "seen_events_pkey" PRIMARY KEY ("key")
);

INSERT INTO "seen_events" ("key", "source_id")
SELECT md5("source_id" || ':' || "event_id")::uuid, "source_id" FROM "seen_events_old";

DROP TABLE "seen_events_old";
