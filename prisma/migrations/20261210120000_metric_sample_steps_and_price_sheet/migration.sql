-- Operations dashboard: samples carry their resolution (0 raw, 60 one-minute, 3600 one-hour), read by
-- name, resolution and time; the price sheet an admin edits for the cost figures.
ALTER TABLE "metric_samples" ADD COLUMN "step" INTEGER NOT NULL DEFAULT 0;
DROP INDEX "metric_samples_name_at_idx";
CREATE INDEX "metric_samples_step_name_at_idx" ON "metric_samples"("step", "name", "at");
CREATE INDEX "metric_samples_step_at_idx" ON "metric_samples"("step", "at");

CREATE TABLE "ops_price_sheets" (
    "id" TEXT NOT NULL DEFAULT 'default',
    "sheet" JSONB NOT NULL,
    "updated_by_email" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "ops_price_sheets_pkey" PRIMARY KEY ("id")
);
