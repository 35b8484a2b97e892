// Dead letters grouped and searched through the LakeReader: samples under the reader's column rules,
// payload search kept off tables those rules restrict, and the schema version the worker recorded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine, type DuckDbQueryEngine } from "../adapters/duckdb-engine";
import type { AccessPolicySource, TablePolicies } from "../ports/access-policy";
import { MemoryQueryHistory } from "../testing/memory-query-history";
import { createTestSource, type TestSource } from "../testing/pipeline-fixtures";
import { commitBatchesOneByOne, usePipelineTestBed } from "../testing/pipeline-test-bed";
import { readableSample, SAMPLE_PREVIEW_CHARS, SAMPLE_TOO_LONG } from "./dead-letter-reads";
import { LakeReader, type Reader } from "./lake-reader";

const bed = usePipelineTestBed("dead-letter-reads");
let engine: DuckDbQueryEngine;
let secret: TestSource;
let open: TestSource;
let amounts: TestSource;
const policies = new Map<string, TablePolicies>();
const oncall: Reader = { userId: "u-oncall", roles: ["oncall"] };
const engineer: Reader = { userId: "u-engineer", roles: ["engineer"] };

const order = (id: string, note: string, amount: unknown = "not a number") =>
  JSON.stringify({ id, amount, note, created_at: "2026-01-01T10:00:00Z" });

function reader() {
  const history = new MemoryQueryHistory();
  const source: AccessPolicySource = {
    async tablePolicies(ids) {
      return new Map(ids.flatMap((id) => (policies.has(id) ? [[id, policies.get(id)!] as const] : [])));
    },
  };
  return { lake: new LakeReader({ catalog: bed.catalog, engine, history, policies: source }), history };
}

beforeAll(async () => {
  engine = createDuckDbEngine({ store: bed.store, threads: 1 });
  secret = await createTestSource(bed.t.db);
  open = await createTestSource(bed.t.db);
  await commitBatchesOneByOne(bed, secret, [
    [order("s1", "secret-alpha"), order("s2", "secret-bravo"), order("ok", "fine", 3)],
  ]);
  await commitBatchesOneByOne(bed, open, [[order("o1", "secret-charlie")]]);
  // A third source whose invalid `amount` (quoted in the letters' reasons) on-call sees masked.
  amounts = await createTestSource(bed.t.db);
  await commitBatchesOneByOne(bed, amounts, [[order("a1", "fine", "secret-amount-delta")]]);
  const amountsView = await bed.catalog.tableSnapshot(`curated.${amounts.slug}`);
  policies.set(amountsView!.tableId, {
    tableId: amountsView!.tableId,
    table: amountsView!.name,
    denyUnruledColumns: false,
    columnRules: [{ role: "oncall", column: "amount", rule: { action: "mask", mask: { style: "full" } } }],
    columnTags: [],
    tagRules: [],
    defaultDenyTags: [],
    rowFilters: [],
  });
  // On-call staff see the secret source's `note` masked.
  const view = await bed.catalog.tableSnapshot(`curated.${secret.slug}`);
  policies.set(view!.tableId, {
    tableId: view!.tableId,
    table: view!.name,
    denyUnruledColumns: false,
    columnRules: [{ role: "oncall", column: "note", rule: { action: "mask", mask: { style: "full" } } }],
    columnTags: [],
    tagRules: [],
    defaultDenyTags: [],
    rowFilters: [],
  });
});
afterAll(async () => {
  await engine?.close();
});

const trend = {
  sort: "count" as const,
  limit: 20,
  trendFrom: new Date(Date.now() - 3_600_000),
  trendHours: 2,
};

describe("dead letter groups through the LakeReader", () => {
  it("groups the worker's letters with the schema version they were judged against, samples masked as the reader's rules say", async () => {
    const { lake, history } = reader();
    const asOncall = await lake.deadLetterGroups(oncall, { sourceId: secret.id, status: "open" }, trend);
    expect(asOncall.groups).toHaveLength(1);
    const group = asOncall.groups[0]!;
    expect(group).toMatchObject({
      source: secret.slug,
      reasonCode: "SCHEMA_VIOLATION",
      path: "/amount",
      schemaVersion: 1,
      count: 2,
    });
    expect(group.trend.reduce((a, b) => a + b, 0)).toBe(2);
    expect(group.sample.payloadMasked).toBe(true);
    expect(JSON.parse(group.sample.payload)).toMatchObject({ note: "****", amount: "not a number" });
    expect(group.sample.payload).not.toContain("secret-");
    const asEngineer = await lake.deadLetterGroups(engineer, { sourceId: secret.id, status: "open" }, trend);
    expect(asEngineer.groups[0]!.sample).toMatchObject({ payloadMasked: false });
    expect(asEngineer.groups[0]!.sample.payload).toContain("secret-");
    // Each read of the groups is in query history, as every read of dead letters is.
    expect(history.runs.map((r) => [r.path, r.status])).toEqual([
      ["dead_letters", "succeeded"],
      ["dead_letters", "succeeded"],
    ]);
    const letters = await lake.listDeadLetters(
      oncall,
      { sourceId: secret.id, status: "open", path: "/amount", schemaVersion: 1 },
      { limit: 10 },
    );
    expect(letters.items.map((d) => [d.eventId, d.schemaVersion]).sort()).toEqual([
      ["s1", 1],
      ["s2", 1],
    ]);
  });

  it("leaves the value out of a reason when the reader's rules hide the column the reason's path names", async () => {
    const { lake } = reader();
    const filter = { sourceId: amounts.id, status: "open" as const };
    const groups = await lake.deadLetterGroups(oncall, filter, trend);
    const listed = await lake.listDeadLetters(oncall, filter, { limit: 10 });
    const one = await lake.deadLetter(oncall, listed.items[0]!.id);
    for (const reason of [groups.groups[0]!.sample.reason, listed.items[0]!.reason, one.reason]) {
      expect(reason).not.toContain("secret-amount-delta");
      expect(reason).toMatch(/^\/amount: must be .*got a value the column rules of your role hide$/);
    }
    // A reader the rules do not restrict reads the reason as recorded.
    expect((await lake.deadLetter(engineer, one.id)).reason).toContain("secret-amount-delta");
    // A reason about a column the rules leave alone keeps its value.
    const other = await lake.listDeadLetters(oncall, { sourceId: secret.id, status: "open" }, { limit: 10 });
    expect(other.items[0]!.reason).toContain("not a number");
  });

  it("refuses a payload search of a source the reader's rules restrict, and leaves such sources out of a search of all", async () => {
    const { lake } = reader();
    await expect(
      lake.listDeadLetters(oncall, { sourceId: secret.id, status: "open", search: "alpha" }, { limit: 10 }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", details: { source: secret.slug } });
    await expect(
      lake.deadLetterGroups(oncall, { sourceId: secret.id, status: "open", search: "alpha" }, trend),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      lake.countDeadLettersByReason(oncall, { sourceId: secret.id, status: "open", search: "alpha" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });

    const everywhere = await lake.listDeadLetters(
      oncall,
      { status: "open", search: "secret-" },
      { limit: 10 },
    );
    expect(everywhere.items.map((d) => d.eventId)).toEqual(["o1"]);
    expect(everywhere.searchExcluded).toEqual([secret.slug, amounts.slug].sort());
    const grouped = await lake.deadLetterGroups(oncall, { status: "open", search: "secret-" }, trend);
    expect([grouped.totalLetters, grouped.searchExcluded]).toEqual([1, [secret.slug, amounts.slug].sort()]);
    expect(await lake.countDeadLettersByReason(oncall, { status: "open", search: "secret-" })).toEqual([
      { reasonCode: "SCHEMA_VIOLATION", count: 1 },
    ]);

    // Nothing restricts the table for an engineer: every source is searched.
    const all = await lake.listDeadLetters(engineer, { status: "open", search: "SECRET-" }, { limit: 10 });
    expect(all.items.map((d) => d.eventId).sort()).toEqual(["a1", "o1", "s1", "s2"]);
    expect(all.searchExcluded).toEqual([]);
    const named = await lake.listDeadLetters(
      engineer,
      { sourceId: secret.id, status: "open", search: "bravo" },
      { limit: 10 },
    );
    expect(named.items.map((d) => d.eventId)).toEqual(["s2"]);
  });
});

describe("readableSample", () => {
  const access = {
    roles: [{ role: "oncall", rowFilter: null, columns: { note: { action: "deny" as const } } }],
  };
  const sample = (payload: string, payloadChars = Array.from(payload).length, payloadTruncated = false) => ({
    id: "d",
    eventId: null,
    reason: "r",
    payload,
    payloadChars,
    payloadTruncated,
  });

  it("cuts a long sample for a preview, and masks it whole for a restricted reader", () => {
    const long = JSON.stringify({ note: "n", pad: "😀".repeat(SAMPLE_PREVIEW_CHARS) });
    const open = readableSample(sample(long), undefined, undefined);
    expect([Array.from(open.payload).length, open.payloadTruncated, open.payloadMasked]).toEqual([
      SAMPLE_PREVIEW_CHARS,
      true,
      false,
    ]);
    const masked = readableSample(sample('{"note":"hidden","id":"x"}'), access, undefined);
    expect([masked.payload, masked.payloadMasked, masked.payloadTruncated]).toEqual([
      '{"id":"x"}',
      true,
      false,
    ]);
    // Cut when read: its JSON cannot be matched to columns, so it is not previewed at all.
    const cut = readableSample(sample('{"note":"hid', 70_000, true), access, undefined);
    expect([cut.payload, cut.payloadChars]).toEqual([SAMPLE_TOO_LONG, 70_000]);
  });
});
