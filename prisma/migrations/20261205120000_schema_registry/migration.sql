-- The schema registry's transitive compatibility modes, sources that take both HTTP push and file
-- drop, an optional extra partition property, raw retention and archive age, and the mode each
-- source's new schema versions are checked against.
ALTER TYPE "Compatibility" ADD VALUE 'backward_transitive';
ALTER TYPE "Compatibility" ADD VALUE 'forward_transitive';
ALTER TYPE "Compatibility" ADD VALUE 'full_transitive';

ALTER TYPE "SourceKind" ADD VALUE 'both';

-- AlterTable
ALTER TABLE "sources" ADD COLUMN     "compatibility" "Compatibility" NOT NULL DEFAULT 'backward',
ADD COLUMN     "partition_property" TEXT,
ADD COLUMN     "raw_archive_days" INTEGER,
ADD COLUMN     "raw_retention_days" INTEGER NOT NULL DEFAULT 30;
