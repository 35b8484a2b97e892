-- The analyst's workspace: saved queries with folders, sharing, parameters and versions; every run of
-- every read path with its estimate and cost; per-role byte budgets; per-column Parquet statistics for
-- estimates; analytics tables' inputs and refresh state.
ALTER TYPE "SnapshotOperation" ADD VALUE 'refresh';

-- AlterTable
ALTER TABLE "saved_queries" ADD COLUMN     "folder" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "parameters" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "shared_with_roles" "Role"[],
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "saved_query_versions" (
    "id" TEXT NOT NULL,
    "saved_query_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "folder" TEXT NOT NULL DEFAULT '',
    "sql" TEXT NOT NULL,
    "parameters" JSONB NOT NULL DEFAULT '[]',
    "chart" JSONB,
    "created_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saved_query_versions_pkey" PRIMARY KEY ("id")
);

-- AlterTable
ALTER TABLE "query_runs" ADD COLUMN     "estimated_bytes" BIGINT,
ADD COLUMN     "estimated_cost_usd" DECIMAL(18,8),
ADD COLUMN     "parameters" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "path" TEXT NOT NULL DEFAULT 'sql',
ADD COLUMN     "tables" JSONB NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "query_budgets" (
    "role" "Role" NOT NULL,
    "per_query_bytes" BIGINT,
    "per_day_bytes" BIGINT,
    "updated_by_id" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "query_budgets_pkey" PRIMARY KEY ("role")
);

-- AlterTable
ALTER TABLE "data_files" ADD COLUMN     "column_stats" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "lake_tables" ADD COLUMN     "created_by_id" TEXT,
ADD COLUMN     "inputs" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "last_refresh_at" TIMESTAMP(3),
ADD COLUMN     "last_refresh_error" TEXT,
ADD COLUMN     "refresh_mode" TEXT,
ADD COLUMN     "schedule_minutes" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "saved_queries_owner_id_folder_name_key" ON "saved_queries"("owner_id", "folder", "name");

-- CreateIndex
CREATE UNIQUE INDEX "saved_query_versions_saved_query_id_version_key" ON "saved_query_versions"("saved_query_id", "version");

-- CreateIndex
CREATE INDEX "query_runs_started_at_idx" ON "query_runs"("started_at");

-- AddForeignKey
ALTER TABLE "saved_query_versions" ADD CONSTRAINT "saved_query_versions_saved_query_id_fkey" FOREIGN KEY ("saved_query_id") REFERENCES "saved_queries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
