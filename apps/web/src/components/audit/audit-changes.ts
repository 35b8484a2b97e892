// What an audit entry's details say about a change, read for people: the values that went from
// `before` to `after` (field by field when both are objects) and the `reason` given.

/** One value that changed; undefined is "not there" (a field added or removed, nothing before a create). */
export interface AuditChange {
  /** The field's name, or undefined when the whole value is compared. */
  field?: string;
  before: unknown;
  after: unknown;
}

export interface AuditChangeSummary {
  /** The changes, when the details carry both `before` and `after`; [] when nothing differs. */
  changes?: AuditChange[];
  reason?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Same value as JSON would write it, whatever the order of an object's keys. */
function same(a: unknown, b: unknown): boolean {
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same(a[k], b[k]));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  return a === b;
}

export function summarizeChange(details: unknown): AuditChangeSummary {
  if (!isRecord(details)) return {};
  const out: AuditChangeSummary = {};
  if (typeof details.reason === "string" && details.reason.trim()) out.reason = details.reason;
  if (!("before" in details) || !("after" in details)) return out;
  const { before, after } = details;
  // A create (nothing before) or a delete (nothing after) of a record lists its fields too.
  const none = (value: unknown) => value === null || value === undefined;
  if (
    (isRecord(before) || none(before)) &&
    (isRecord(after) || none(after)) &&
    !(none(before) && none(after))
  ) {
    const beforeFields = isRecord(before) ? before : {};
    const afterFields = isRecord(after) ? after : {};
    const fields = [...new Set([...Object.keys(beforeFields), ...Object.keys(afterFields)])];
    out.changes = fields
      .filter((field) => !same(beforeFields[field], afterFields[field]))
      .map((field) => ({ field, before: beforeFields[field], after: afterFields[field] }));
  } else {
    out.changes = same(before, after) ? [] : [{ before, after }];
  }
  return out;
}

/** The table the details name (`table`, as policy changes record it), if any. */
export function tableNamed(details: unknown): string | undefined {
  return isRecord(details) && typeof details.table === "string" ? details.table : undefined;
}

/** A value as a short line: text as it is, "none" for null or absent, anything else as JSON. */
export function valueText(value: unknown, max = 160): string {
  const text =
    value === null || value === undefined
      ? "none"
      : typeof value === "string"
        ? value
        : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
