-- CreateIndex
CREATE INDEX "batches_status_received_at_idx" ON "batches"("status", "received_at");

