import { describe, expect, it } from "vitest";
import { parseSql } from "./sql-planner";

describe("parseSql", () => {
  it("places a syntax error by line and column", async () => {
    await expect(parseSql("SELECT 1\nFROM WHERE")).rejects.toMatchObject({
      code: "BAD_REQUEST",
      details: { field: "sql", line: 2 },
    });
  });

  it("says how to quote a table name with a hyphen written bare", async () => {
    await expect(parseSql("SELECT * FROM curated.payments-tester")).rejects.toThrow(
      /a table name with a hyphen is quoted: curated\."payments-tester"$/,
    );
    // Quoted, it parses.
    await expect(parseSql('SELECT * FROM curated."payments-tester"')).resolves.toBeDefined();
  });
});
