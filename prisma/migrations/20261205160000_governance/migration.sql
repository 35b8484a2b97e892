-- Governance: masks with a style, tags on columns with rules that follow the tag into every table,
-- and a per-table (or per-tag) default that hides columns no rule covers.
CREATE TYPE "MaskStyle" AS ENUM ('full', 'last', 'fixed');

ALTER TABLE "column_policies" ADD COLUMN "mask_style" "MaskStyle",
ADD COLUMN "mask_keep_last" INTEGER,
ADD COLUMN "mask_replacement" TEXT;

ALTER TABLE "lake_tables" ADD COLUMN "deny_unruled_columns" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "policy_tags" (
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "default_deny" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "policy_tags_pkey" PRIMARY KEY ("name")
);

CREATE TABLE "column_tags" (
    "id" TEXT NOT NULL,
    "table_id" TEXT NOT NULL,
    "column" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "column_tags_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "tag_policies" (
    "id" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "action" "ColumnAction" NOT NULL,
    "mask_style" "MaskStyle",
    "mask_keep_last" INTEGER,
    "mask_replacement" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "tag_policies_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "column_tags_table_id_column_tag_key" ON "column_tags"("table_id", "column", "tag");
CREATE INDEX "column_tags_tag_idx" ON "column_tags"("tag");
CREATE UNIQUE INDEX "tag_policies_tag_role_key" ON "tag_policies"("tag", "role");

ALTER TABLE "column_tags" ADD CONSTRAINT "column_tags_table_id_fkey" FOREIGN KEY ("table_id") REFERENCES "lake_tables"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "column_tags" ADD CONSTRAINT "column_tags_tag_fkey" FOREIGN KEY ("tag") REFERENCES "policy_tags"("name") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "tag_policies" ADD CONSTRAINT "tag_policies_tag_fkey" FOREIGN KEY ("tag") REFERENCES "policy_tags"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- The tags governance staff start from.
INSERT INTO "policy_tags" ("name", "description") VALUES
  ('pii', 'Personal data: identifies a person'),
  ('email', 'An email address'),
  ('financial', 'Card numbers, accounts, amounts owed');
