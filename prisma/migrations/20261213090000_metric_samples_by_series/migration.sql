-- Operations dashboard: the series query reads each resolution's rows series by series in time
-- order, index only (value is the last key column, as Prisma's schema has no INCLUDE).
CREATE INDEX "metric_samples_step_name_labels_at_value_idx" ON "metric_samples"("step", "name", "labels", "at", "value");
