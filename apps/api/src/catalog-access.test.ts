// Guards the catalog's one writer: the API reaches catalog tables (sources, schema versions, batches,
// tables, snapshots, data files, dead letters, dedupe claims) only through the Catalog port, and
// Prisma only for control-plane tables (users, keys, audit, sessions, …).
import { describe, expect, it } from "vitest";
import { apiModules } from "./testing/api-modules";

const CATALOG_MODELS = [
  "source",
  "schemaVersion",
  "batch",
  "lakeTable",
  "snapshot",
  "dataFile",
  "deadLetter",
  "seenEvent",
];
const CATALOG_TABLES = [
  "sources",
  "schema_versions",
  "batches",
  "lake_tables",
  "snapshots",
  "data_files",
  "dead_letters",
  "seen_events",
];
const PRISMA_ACCESS = new RegExp(`\\b(?:prisma|tx)\\.(${CATALOG_MODELS.join("|")})\\.`);
const SQL_ACCESS = new RegExp(`\\b(?:FROM|JOIN|INTO|UPDATE)\\s+"?(${CATALOG_TABLES.join("|")})\\b`, "i");

export function catalogAccessIn(name: string, text: string): string[] {
  const found: string[] = [];
  const prisma = PRISMA_ACCESS.exec(text)?.[1];
  if (prisma) found.push(`${name} uses Prisma's ${prisma} model`);
  const sql = SQL_ACCESS.exec(text)?.[1];
  if (sql) found.push(`${name} runs SQL on ${sql}`);
  return found;
}

describe("the API reaches catalog tables only through the Catalog port", () => {
  it("finds no module using Prisma or SQL on a catalog table", () => {
    const found = apiModules().flatMap(([name, text]) => catalogAccessIn(name, text));
    expect(found).toEqual([]);
  });

  it("would notice a service reading batches with Prisma or writing sources with SQL", () => {
    expect(catalogAccessIn("s.ts", "await this.db.prisma.batch.count()")).toEqual([
      "s.ts uses Prisma's batch model",
    ]);
    expect(catalogAccessIn("s.ts", "await tx.source.update({})")).toEqual([
      "s.ts uses Prisma's source model",
    ]);
    expect(catalogAccessIn("s.ts", "pool.query('UPDATE sources SET status = $1')")).toEqual([
      "s.ts runs SQL on sources",
    ]);
    expect(catalogAccessIn("s.ts", "await tx.apiKey.create({})")).toEqual([]);
  });
});
