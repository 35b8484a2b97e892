-- Parse once: the ingest API judges each event against the source's active schema version before the
-- batch is durable. The batch row records that version and which events (by index in the batch) it
-- dead-lettered, so the worker stores the others without judging them again while that version is
-- still active, and never stores or dead-letters a second time an event the API already dead-lettered.
ALTER TABLE "batches" ADD COLUMN "validated_schema_version" INTEGER;
ALTER TABLE "batches" ADD COLUMN "rejected_at_accept" INTEGER[] NOT NULL DEFAULT ARRAY[]::INTEGER[];
