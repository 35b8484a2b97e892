import { describe, expect, it } from "vitest";
import {
  activeFilterCount,
  apiFilter,
  DEFAULT_VIEW,
  groupsView,
  groupView,
  readView,
  viewParams,
} from "./dead-letter-filters";

const params = (q: string) => new URLSearchParams(q);

describe("the Dead letters page's address", () => {
  it("lands on the groups with open letters of any time when the address says nothing", () => {
    expect(readView(params(""))).toEqual(DEFAULT_VIEW);
    expect(viewParams(DEFAULT_VIEW).toString()).toBe("");
    // What it does not understand stays at its default.
    expect(readView(params("view=tiles&status=lost&range=2y&sort=size&version=x"))).toEqual(DEFAULT_VIEW);
  });

  it("keeps the replay jobs tab in the address", () => {
    const jobs = readView(params("view=jobs"));
    expect(jobs.view).toBe("jobs");
    expect(viewParams(jobs).toString()).toBe("view=jobs");
  });

  it("reads and writes every filter, '-' standing for none, and keeps an open letter's id", () => {
    const text =
      "id=dl-1&view=group&source=-&reason=SCHEMA_VIOLATION&pointer=%2Fa~1b&version=-&status=replayed&range=24h&batch=b-1&q=alice%40&sort=lastSeen";
    const view = readView(params(text));
    expect(view).toEqual({
      view: "group",
      source: null,
      reason: "SCHEMA_VIOLATION",
      pointer: "/a~1b",
      version: null,
      status: "replayed",
      range: "24h",
      batch: "b-1",
      q: "alice@",
      sort: "lastSeen",
    });
    expect(readView(viewParams(view, params(text)))).toEqual(view);
    expect(viewParams(view, params(text)).get("id")).toBe("dl-1");
    // The root pointer "" is a pointer, not none.
    expect(readView(params("view=group&pointer=&version=3"))).toMatchObject({ pointer: "", version: 3 });
    expect(viewParams({ ...DEFAULT_VIEW, view: "group", pointer: "" }).toString()).toBe(
      "view=group&pointer=",
    );
  });

  it("opens a group under the same filters, and goes back to the groups without its key", () => {
    const base = { ...DEFAULT_VIEW, range: "7d" as const, q: "abc", source: "orders" };
    const group = groupView(base, {
      source: "orders",
      reasonCode: "SCHEMA_VIOLATION",
      path: "/amount",
      schemaVersion: 2,
    });
    expect(group).toMatchObject({ view: "group", range: "7d", q: "abc", pointer: "/amount", version: 2 });
    expect(groupsView(group)).toEqual({ ...base, reason: "SCHEMA_VIOLATION" });
    expect(activeFilterCount(group)).toBe(2);
    expect(activeFilterCount(base)).toBe(3);
  });
});

describe("apiFilter", () => {
  const now = Date.parse("2026-03-02T10:30:45.500Z");

  it("sends the filters the API takes, the range's start on the minute", () => {
    expect(apiFilter(DEFAULT_VIEW, now)).toEqual({ status: "open" });
    expect(
      apiFilter(
        { ...DEFAULT_VIEW, source: null, reason: "POISON_FILE", batch: "b", q: "xyz", range: "1h" },
        now,
      ),
    ).toEqual({
      status: "open",
      source: null,
      reasonCode: "POISON_FILE",
      batchId: "b",
      search: "xyz",
      from: "2026-03-02T09:30:00.000Z",
    });
    // Within the same minute the input (and so the query's key) does not change.
    expect(apiFilter({ ...DEFAULT_VIEW, range: "24h" }, now + 10_000)).toEqual(
      apiFilter({ ...DEFAULT_VIEW, range: "24h" }, now),
    );
  });

  it("filters by a group's pointer and version only in that group's view", () => {
    const group = {
      ...DEFAULT_VIEW,
      view: "group" as const,
      source: "orders",
      reason: "R",
      pointer: null,
      version: 1,
    };
    expect(apiFilter(group, now)).toEqual({
      status: "open",
      source: "orders",
      reasonCode: "R",
      path: null,
      schemaVersion: 1,
    });
    expect(apiFilter({ ...group, view: "letters" }, now)).toEqual({
      status: "open",
      source: "orders",
      reasonCode: "R",
    });
  });
});
