-- Alerts: thresholds per source and per queue (overrides of the built-in defaults), one row per
-- alert episode (fired, acknowledged, resolved), the webhook they are posted to, and each posting's
-- delivery attempts (persisted so a restarted API carries on retrying).

-- An override of one kind's threshold: for one source (its id) or one queue (its name), or for every
-- subject of the kind ('*'). Without a row the built-in default applies.
CREATE TABLE "alert_rules" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "window_minutes" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updated_by_email" TEXT NOT NULL DEFAULT '',
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_rules_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "alert_rules_kind_subject_key" ON "alert_rules"("kind", "subject");

-- One episode of one kind for one subject: fired when its figure crossed the threshold, resolved when
-- it came back (with hysteresis). At most one open episode per (kind, subject).
CREATE TABLE "alert_events" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" TEXT NOT NULL,
    "subject_name" TEXT NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "last_value" DOUBLE PRECISION NOT NULL,
    "message" TEXT NOT NULL,
    "fired_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledged_by_id" TEXT,
    "acknowledged_by_email" TEXT,
    "acknowledged_at" TIMESTAMP(3),
    "resolved_at" TIMESTAMP(3),
    "resolved_value" DOUBLE PRECISION,

    CONSTRAINT "alert_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "alert_events_fired_at_idx" ON "alert_events"("fired_at");
CREATE INDEX "alert_events_kind_subject_id_idx" ON "alert_events"("kind", "subject_id");
CREATE UNIQUE INDEX "alert_events_one_open_episode" ON "alert_events"("kind", "subject_id") WHERE "resolved_at" IS NULL;
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_acknowledged_by_id_fkey" FOREIGN KEY ("acknowledged_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The webhook alerts are posted to (one row, id 'default'); the signing secret is kept encrypted
-- (AES-256-GCM under a key derived from the server secret) because Inlet must sign with it.
CREATE TABLE "alert_webhooks" (
    "id" TEXT NOT NULL,
    "url" TEXT,
    "secret_encrypted" TEXT,
    "updated_by_email" TEXT NOT NULL DEFAULT '',
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_webhooks_pkey" PRIMARY KEY ("id")
);

-- One posting of a fire or resolve to the webhook, retried with backoff until delivered or given up.
CREATE TABLE "alert_deliveries" (
    "id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "transition" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMP(3),
    "failed_at" TIMESTAMP(3),
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_deliveries_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "alert_deliveries_event_id_transition_key" ON "alert_deliveries"("event_id", "transition");
CREATE INDEX "alert_deliveries_pending_idx" ON "alert_deliveries"("next_attempt_at") WHERE "delivered_at" IS NULL AND "failed_at" IS NULL;
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "alert_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;
