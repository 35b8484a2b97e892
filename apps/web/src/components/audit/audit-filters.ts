// The Audit page's filters as they live in the address (?actor=&action=&table=&from=&to=, the times as
// ISO 8601 UTC), as the form edits them (times as the browser's local date-time inputs) and as the API
// and the CSV export take them (blanks left out).

export const AUDIT_FILTER_KEYS = ["actor", "action", "table", "from", "to"] as const;
export type AuditFilterKey = (typeof AUDIT_FILTER_KEYS)[number];

/** The applied filters, as in the address; "" is no filter. */
export type AuditFilters = Record<AuditFilterKey, string>;

export const NO_AUDIT_FILTERS: AuditFilters = { actor: "", action: "", table: "", from: "", to: "" };

/** The filters an address's query string names (other parameters ignored). */
export function filtersFromParams(params: { get(name: string): string | null }): AuditFilters {
  const out = { ...NO_AUDIT_FILTERS };
  for (const key of AUDIT_FILTER_KEYS) out[key] = params.get(key)?.trim() ?? "";
  return out;
}

/** The filters given, for the API's input, an address or the CSV export's query string. */
export function givenFilters(filters: AuditFilters): Partial<AuditFilters> {
  const out: Partial<AuditFilters> = {};
  for (const key of AUDIT_FILTER_KEYS) if (filters[key]) out[key] = filters[key];
  return out;
}

/** The query string of the filters given ("" for none), always in the same order. */
export function filtersQuery(filters: AuditFilters): string {
  return new URLSearchParams(givenFilters(filters)).toString();
}

export function hasFilters(filters: AuditFilters): boolean {
  return AUDIT_FILTER_KEYS.some((key) => filters[key] !== "");
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO instant as a local date-time input's value (YYYY-MM-DDTHH:mm); "" when blank or not a time. */
export function localInputValue(iso: string): string {
  if (!iso) return "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** A local date-time input's value as an ISO instant in UTC; "" when blank or incomplete. */
export function isoFromLocalInput(local: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(local)) return "";
  // Without a zone, a date-time is read as the browser's local time.
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? "" : at.toISOString();
}

/** The filter form's fields: text as typed, times as local date-time input values. */
export type AuditFormValues = AuditFilters;

export function formOf(filters: AuditFilters): AuditFormValues {
  return { ...filters, from: localInputValue(filters.from), to: localInputValue(filters.to) };
}

/** What the form would apply, and its problems by field (the API checks the same, and more). */
export function applyForm(form: AuditFormValues): { filters: AuditFilters; problems: Partial<AuditFilters> } {
  const filters: AuditFilters = {
    actor: form.actor.trim(),
    action: form.action.trim(),
    table: form.table.trim().toLowerCase(),
    from: isoFromLocalInput(form.from),
    to: isoFromLocalInput(form.to),
  };
  const problems: Partial<AuditFilters> = {};
  if (filters.table && !/^(curated|analytics)\.[a-z][a-z0-9_-]*$/.test(filters.table)) {
    problems.table = "must be a table name, such as curated.orders";
  }
  if (form.from && !filters.from) problems.from = "must be a complete date and time";
  if (form.to && !filters.to) problems.to = "must be a complete date and time";
  if (filters.from && filters.to && filters.to <= filters.from) problems.to = "must be after From";
  return { filters, problems };
}
