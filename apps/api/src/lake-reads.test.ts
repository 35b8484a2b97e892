// Guards the one read path: no module of the API reads event data (dead-letter payloads, Parquet,
// raw objects, table snapshots) except through the LakeReader, where access policies apply.
import { describe, expect, it } from "vitest";
import { apiModules } from "./testing/api-modules";

/** Ways to reach event data around the LakeReader, each with what it reads. */
const BYPASSES: { pattern: RegExp; reads: string }[] = [
  { pattern: /\bdeadLetter\.(find\w*|groupBy|aggregate)\(/, reads: "dead letters through Prisma" },
  { pattern: /\b(FROM|JOIN)\s+dead_letters\b/i, reads: "dead letters through SQL" },
  {
    pattern: /(?<!\blake)\.(getDeadLetter|listDeadLetters|countDeadLettersByReason)\(/,
    reads: "dead letters from the catalog",
  },
  { pattern: /\.tableSnapshot\(|\bdata_files\b|\bdataFile\.find/, reads: "a table's data files" },
  { pattern: /\.localPath\(|\bstore\.get\(|\.store\.get\(/, reads: "objects of the lake" },
  { pattern: /read_parquet|read_json|DuckDBInstance|createDuckDbEngine\(/, reads: "files with DuckDB" },
  { pattern: /\bengine\.query\(/, reads: "tables through the query engine" },
];

/** The one module allowed to build the engine that LakeReader reads with. */
const ALLOWED: Record<string, string[]> = { "server.ts": ["files with DuckDB"] };

export function bypassesIn(name: string, text: string): string[] {
  return BYPASSES.filter((b) => b.pattern.test(text) && !ALLOWED[name]?.includes(b.reads)).map(
    (b) => `${name} reads ${b.reads}`,
  );
}

describe("the API reads lake data only through the LakeReader", () => {
  it("finds no module that reads event data another way", () => {
    const modules = apiModules();
    expect(modules.map(([name]) => name)).toContain("services/dead-letters.ts");
    const found = modules.flatMap(([name, text]) => bypassesIn(name, text));
    expect(found).toEqual([]);
  });

  it("would notice a route that read a payload with Prisma or a Parquet file itself", () => {
    expect(bypassesIn("routes/x.ts", "await db.prisma.deadLetter.findUnique({ where: { id } })")).toEqual([
      "routes/x.ts reads dead letters through Prisma",
    ]);
    expect(
      bypassesIn("routes/y.ts", "conn.run(\"SELECT * FROM read_parquet('/lake/curated/x.parquet')\")"),
    ).toEqual(["routes/y.ts reads files with DuckDB"]);
    expect(bypassesIn("routes/z.ts", "const bytes = await runtime.store.get(key);")).toEqual([
      "routes/z.ts reads objects of the lake",
    ]);
    expect(bypassesIn("services/w.ts", "await this.catalog.getDeadLetter(id)")).toEqual([
      "services/w.ts reads dead letters from the catalog",
    ]);
    expect(bypassesIn("services/w.ts", "await this.lake.listDeadLetters(reader, f, p)")).toEqual([]);
  });
});
