-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'engineer', 'governance', 'analyst', 'oncall');

-- CreateEnum
CREATE TYPE "SourceKind" AS ENUM ('http', 'webhook', 'file');

-- CreateEnum
CREATE TYPE "SourceStatus" AS ENUM ('active', 'paused');

-- CreateEnum
CREATE TYPE "Compatibility" AS ENUM ('backward', 'forward', 'full', 'none');

-- CreateEnum
CREATE TYPE "Zone" AS ENUM ('raw', 'curated', 'analytics');

-- CreateEnum
CREATE TYPE "SnapshotOperation" AS ENUM ('append', 'compact', 'retention', 'replay');

-- CreateEnum
CREATE TYPE "BatchStatus" AS ENUM ('received', 'committed', 'failed');

-- CreateEnum
CREATE TYPE "DeadLetterStatus" AS ENUM ('open', 'replayed', 'discarded');

-- CreateEnum
CREATE TYPE "ReplayStatus" AS ENUM ('pending', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "QueryRunStatus" AS ENUM ('running', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "ColumnAction" AS ENUM ('allow', 'deny', 'mask', 'hash');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT,
    "roles" "Role"[],
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "oidc_subject" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_login_at" TIMESTAMP(3),

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sources" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "kind" "SourceKind" NOT NULL DEFAULT 'http',
    "status" "SourceStatus" NOT NULL DEFAULT 'active',
    "id_field" TEXT NOT NULL DEFAULT 'id',
    "time_field" TEXT NOT NULL DEFAULT 'time',
    "partitioning" TEXT NOT NULL DEFAULT 'day',
    "retention_days" INTEGER NOT NULL DEFAULT 365,
    "active_schema_version_id" TEXT,
    "created_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schema_versions" (
    "id" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "json_schema" JSONB NOT NULL,
    "compatibility" "Compatibility" NOT NULL DEFAULT 'backward',
    "created_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "schema_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lake_tables" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "zone" "Zone" NOT NULL,
    "source_id" TEXT,
    "partition_by" TEXT[],
    "columns" JSONB NOT NULL DEFAULT '[]',
    "definition" TEXT,
    "current_seq" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "lake_tables_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "snapshots" (
    "id" TEXT NOT NULL,
    "table_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "operation" "SnapshotOperation" NOT NULL,
    "added_files" INTEGER NOT NULL DEFAULT 0,
    "removed_files" INTEGER NOT NULL DEFAULT 0,
    "added_rows" BIGINT NOT NULL DEFAULT 0,
    "summary" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "data_files" (
    "id" TEXT NOT NULL,
    "table_id" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "partition" TEXT NOT NULL,
    "row_count" BIGINT NOT NULL,
    "bytes" BIGINT NOT NULL,
    "min_event_time" TIMESTAMP(3),
    "max_event_time" TIMESTAMP(3),
    "added_seq" INTEGER NOT NULL,
    "removed_seq" INTEGER,
    "batch_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "data_files_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "batches" (
    "id" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "raw_key" TEXT NOT NULL,
    "origin" TEXT NOT NULL DEFAULT 'http',
    "event_count" INTEGER NOT NULL,
    "bytes" BIGINT NOT NULL,
    "status" "BatchStatus" NOT NULL DEFAULT 'received',
    "accepted" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "committed_at" TIMESTAMP(3),

    CONSTRAINT "batches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "seen_events" (
    "source_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "batch_id" TEXT NOT NULL,

    CONSTRAINT "seen_events_pkey" PRIMARY KEY ("source_id","event_id")
);

-- CreateTable
CREATE TABLE "dead_letters" (
    "id" TEXT NOT NULL,
    "source_id" TEXT,
    "batch_id" TEXT,
    "event_id" TEXT,
    "reason_code" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "path" TEXT,
    "payload" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "status" "DeadLetterStatus" NOT NULL DEFAULT 'open',
    "replay_job_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMP(3),

    CONSTRAINT "dead_letters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "replay_jobs" (
    "id" TEXT NOT NULL,
    "source_id" TEXT,
    "filter" JSONB NOT NULL DEFAULT '{}',
    "dry_run" BOOLEAN NOT NULL DEFAULT false,
    "rate_per_second" INTEGER NOT NULL DEFAULT 1000,
    "status" "ReplayStatus" NOT NULL DEFAULT 'pending',
    "total" INTEGER NOT NULL DEFAULT 0,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "requested_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "replay_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "saved_queries" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "sql" TEXT NOT NULL,
    "chart" JSONB,
    "owner_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "saved_queries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "query_runs" (
    "id" TEXT NOT NULL,
    "saved_query_id" TEXT,
    "user_id" TEXT NOT NULL,
    "sql" TEXT NOT NULL,
    "engine" TEXT NOT NULL,
    "status" "QueryRunStatus" NOT NULL DEFAULT 'running',
    "row_count" INTEGER,
    "bytes_scanned" BIGINT,
    "cost_usd" DECIMAL(18,8),
    "duration_ms" INTEGER,
    "error" TEXT,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "query_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "column_policies" (
    "id" TEXT NOT NULL,
    "table_id" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "column" TEXT NOT NULL,
    "action" "ColumnAction" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "column_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "row_filter_policies" (
    "id" TEXT NOT NULL,
    "table_id" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "predicate" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "row_filter_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metric_samples" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "value" DOUBLE PRECISION NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "metric_samples_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_id" TEXT,
    "actor_email" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "request_id" TEXT,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "queue_messages" (
    "id" BIGSERIAL NOT NULL,
    "queue" TEXT NOT NULL,
    "body" JSONB NOT NULL,
    "dedupe_key" TEXT,
    "receive_count" INTEGER NOT NULL DEFAULT 0,
    "max_receives" INTEGER NOT NULL DEFAULT 5,
    "visible_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "enqueued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dead_at" TIMESTAMP(3),
    "last_error" TEXT,

    CONSTRAINT "queue_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "login_throttle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "window_start" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMP(3),

    CONSTRAINT "login_throttle_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "users_oidc_subject_key" ON "users"("oidc_subject");

-- CreateIndex
CREATE UNIQUE INDEX "sources_slug_key" ON "sources"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "sources_active_schema_version_id_key" ON "sources"("active_schema_version_id");

-- CreateIndex
CREATE UNIQUE INDEX "schema_versions_source_id_version_key" ON "schema_versions"("source_id", "version");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_source_id_idx" ON "api_keys"("source_id");

-- CreateIndex
CREATE UNIQUE INDEX "lake_tables_name_key" ON "lake_tables"("name");

-- CreateIndex
CREATE UNIQUE INDEX "snapshots_table_id_seq_key" ON "snapshots"("table_id", "seq");

-- CreateIndex
CREATE INDEX "data_files_table_id_removed_seq_idx" ON "data_files"("table_id", "removed_seq");

-- CreateIndex
CREATE UNIQUE INDEX "data_files_table_id_path_key" ON "data_files"("table_id", "path");

-- CreateIndex
CREATE INDEX "batches_source_id_received_at_idx" ON "batches"("source_id", "received_at");

-- CreateIndex
CREATE INDEX "dead_letters_source_id_status_created_at_idx" ON "dead_letters"("source_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "dead_letters_reason_code_idx" ON "dead_letters"("reason_code");

-- CreateIndex
CREATE INDEX "query_runs_user_id_started_at_idx" ON "query_runs"("user_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "column_policies_table_id_role_column_key" ON "column_policies"("table_id", "role", "column");

-- CreateIndex
CREATE UNIQUE INDEX "row_filter_policies_table_id_role_key" ON "row_filter_policies"("table_id", "role");

-- CreateIndex
CREATE INDEX "metric_samples_name_at_idx" ON "metric_samples"("name", "at");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

-- CreateIndex
CREATE INDEX "audit_log_target_type_target_id_idx" ON "audit_log"("target_type", "target_id");

-- CreateIndex
CREATE INDEX "queue_messages_queue_dead_at_visible_at_idx" ON "queue_messages"("queue", "dead_at", "visible_at");

-- CreateIndex
CREATE UNIQUE INDEX "queue_messages_queue_dedupe_key_key" ON "queue_messages"("queue", "dedupe_key");

-- AddForeignKey
ALTER TABLE "sources" ADD CONSTRAINT "sources_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sources" ADD CONSTRAINT "sources_active_schema_version_id_fkey" FOREIGN KEY ("active_schema_version_id") REFERENCES "schema_versions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schema_versions" ADD CONSTRAINT "schema_versions_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lake_tables" ADD CONSTRAINT "lake_tables_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_table_id_fkey" FOREIGN KEY ("table_id") REFERENCES "lake_tables"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "data_files" ADD CONSTRAINT "data_files_table_id_fkey" FOREIGN KEY ("table_id") REFERENCES "lake_tables"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batches" ADD CONSTRAINT "batches_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dead_letters" ADD CONSTRAINT "dead_letters_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dead_letters" ADD CONSTRAINT "dead_letters_replay_job_id_fkey" FOREIGN KEY ("replay_job_id") REFERENCES "replay_jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "replay_jobs" ADD CONSTRAINT "replay_jobs_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "replay_jobs" ADD CONSTRAINT "replay_jobs_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "saved_queries" ADD CONSTRAINT "saved_queries_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "query_runs" ADD CONSTRAINT "query_runs_saved_query_id_fkey" FOREIGN KEY ("saved_query_id") REFERENCES "saved_queries"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "query_runs" ADD CONSTRAINT "query_runs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "column_policies" ADD CONSTRAINT "column_policies_table_id_fkey" FOREIGN KEY ("table_id") REFERENCES "lake_tables"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "row_filter_policies" ADD CONSTRAINT "row_filter_policies_table_id_fkey" FOREIGN KEY ("table_id") REFERENCES "lake_tables"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

