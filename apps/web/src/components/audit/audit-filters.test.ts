// The Audit page's filters between the address, the form and the API.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  applyForm,
  filtersFromParams,
  filtersQuery,
  formOf,
  hasFilters,
  isoFromLocalInput,
  localInputValue,
  NO_AUDIT_FILTERS,
} from "./audit-filters";

let zone: string | undefined;
beforeEach(() => {
  zone = process.env.TZ;
  // Local date-times are read in this zone (UTC+1 in winter) throughout.
  process.env.TZ = "Europe/Paris";
});
afterEach(() => {
  process.env.TZ = zone;
});

describe("the address", () => {
  it("names the filters given, in one order, and reads them back", () => {
    const filters = {
      ...NO_AUDIT_FILTERS,
      table: "curated.orders",
      actor: "alice",
      from: "2026-12-01T09:00:00.000Z",
    };
    const query = filtersQuery(filters);
    expect(query).toBe("actor=alice&table=curated.orders&from=2026-12-01T09%3A00%3A00.000Z");
    expect(filtersFromParams(new URLSearchParams(query))).toEqual(filters);
    expect(filtersQuery(NO_AUDIT_FILTERS)).toBe("");
    expect(hasFilters(NO_AUDIT_FILTERS)).toBe(false);
    expect(hasFilters(filters)).toBe(true);
  });

  it("ignores other parameters and trims values", () => {
    expect(filtersFromParams(new URLSearchParams("action=+source.create+&page=2"))).toEqual({
      ...NO_AUDIT_FILTERS,
      action: "source.create",
    });
  });
});

describe("local date-time inputs", () => {
  it("show an instant in local time and read one back as UTC", () => {
    expect(localInputValue("2026-12-01T09:05:00.000Z")).toBe("2026-12-01T10:05");
    expect(isoFromLocalInput("2026-12-01T10:05")).toBe("2026-12-01T09:05:00.000Z");
    expect(localInputValue("")).toBe("");
    expect(localInputValue("not a time")).toBe("");
    expect(isoFromLocalInput("")).toBe("");
    expect(isoFromLocalInput("2026-12-01")).toBe("");
  });
});

describe("applyForm", () => {
  it("applies trimmed text, a lowercase table and UTC times", () => {
    const form = { actor: " bob ", action: "", table: " Curated.Orders", from: "2026-12-01T10:00", to: "" };
    expect(applyForm(form)).toEqual({
      filters: {
        actor: "bob",
        action: "",
        table: "curated.orders",
        from: "2026-12-01T09:00:00.000Z",
        to: "",
      },
      problems: {},
    });
    expect(formOf(applyForm(form).filters)).toEqual({ ...form, actor: "bob", table: "curated.orders" });
  });

  it("names each field that is wrong", () => {
    expect(applyForm({ ...NO_AUDIT_FILTERS, table: "orders" }).problems).toEqual({
      table: "must be a table name, such as curated.orders",
    });
    expect(
      applyForm({ ...NO_AUDIT_FILTERS, from: "2026-12-01T10:00", to: "2026-12-01T10:00" }).problems,
    ).toEqual({ to: "must be after From" });
    expect(applyForm({ ...NO_AUDIT_FILTERS, from: "2026-12-01T" }).problems).toEqual({
      from: "must be a complete date and time",
    });
  });
});
