// The Dead letters page's state as it lives in the address (so a link, a reload or Back shows the same
// view): which view (groups by cause, one group's letters, every letter, the replay jobs), the filters, and the input
// the API's deadLetters.groups and deadLetters.list take for them. `?id=` (one letter open) is the
// page's own and is kept as it is.

export const DEAD_LETTER_STATUSES = ["open", "replayed", "discarded"] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

export const TIME_RANGES = [
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 hours", ms: 24 * 3_600_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 24 * 3_600_000 },
  { id: "30d", label: "Last 30 days", ms: 30 * 24 * 3_600_000 },
  { id: "all", label: "Any time", ms: undefined },
] as const;
export type TimeRange = (typeof TIME_RANGES)[number]["id"];

export type DeadLetterViewKind = "groups" | "group" | "letters" | "jobs";
export type GroupSort = "count" | "lastSeen";

/** In the address, "-" stands for "none": letters without a source, a pointer or a schema version. */
export const NONE = "-";

export interface DeadLetterView {
  view: DeadLetterViewKind;
  /** A source's slug; null: letters without a source. */
  source?: string | null;
  reason?: string;
  status: DeadLetterStatus;
  range: TimeRange;
  batch?: string;
  /** Payload text. */
  q?: string;
  /** A group's JSON pointer; null: its letters have none. */
  pointer?: string | null;
  /** A group's schema version; null: no schema judged its letters. */
  version?: number | null;
  sort: GroupSort;
}

export const DEFAULT_VIEW: DeadLetterView = { view: "groups", status: "open", range: "all", sort: "count" };

function oneOf<T extends string>(value: string | null, options: readonly T[], fallback: T): T {
  return options.includes(value as T) ? (value as T) : fallback;
}

/** The view an address describes; anything it does not understand is left at its default. */
export function readView(params: URLSearchParams): DeadLetterView {
  const view: DeadLetterView = {
    view: oneOf(params.get("view"), ["groups", "group", "letters", "jobs"], "groups"),
    status: oneOf(params.get("status"), DEAD_LETTER_STATUSES, "open"),
    range: oneOf(
      params.get("range"),
      TIME_RANGES.map((r) => r.id),
      "all",
    ),
    sort: oneOf(params.get("sort"), ["count", "lastSeen"], "count"),
  };
  const source = params.get("source");
  if (source) view.source = source === NONE ? null : source;
  const reason = params.get("reason");
  if (reason) view.reason = reason;
  const batch = params.get("batch")?.trim();
  if (batch) view.batch = batch;
  const q = params.get("q")?.trim();
  if (q) view.q = q;
  const pointer = params.get("pointer");
  if (pointer !== null) view.pointer = pointer === NONE ? null : pointer;
  const version = params.get("version");
  if (version === NONE) view.version = null;
  else if (version && /^[1-9]\d{0,6}$/.test(version)) view.version = Number(version);
  return view;
}

/** The address's query for the view, keeping the parameters that are not the view's own (`id`). */
export function viewParams(view: DeadLetterView, keep?: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  const id = keep?.get("id");
  if (id) out.set("id", id);
  if (view.view !== "groups") out.set("view", view.view);
  if (view.source !== undefined) out.set("source", view.source ?? NONE);
  if (view.reason) out.set("reason", view.reason);
  if (view.pointer !== undefined) out.set("pointer", view.pointer ?? NONE);
  if (view.version !== undefined) out.set("version", view.version === null ? NONE : String(view.version));
  if (view.status !== "open") out.set("status", view.status);
  if (view.range !== "all") out.set("range", view.range);
  if (view.batch) out.set("batch", view.batch);
  if (view.q) out.set("q", view.q);
  if (view.sort !== "count") out.set("sort", view.sort);
  return out;
}

/** A group's key, as deadLetters.groups answers it. */
export interface GroupKey {
  source: string | null;
  reasonCode: string;
  path: string | null;
  schemaVersion: number | null;
}

/** The view of one group's letters, under the same status, time, batch and search filters. */
export function groupView(view: DeadLetterView, group: GroupKey): DeadLetterView {
  return {
    ...view,
    view: "group",
    source: group.source,
    reason: group.reasonCode,
    pointer: group.path,
    version: group.schemaVersion,
  };
}

/** Back to the groups from a group: its key no longer filters (the source and reason picked before do). */
export function groupsView(view: DeadLetterView): DeadLetterView {
  const { pointer: _p, version: _v, ...rest } = view;
  return { ...rest, view: "groups" };
}

/** The API's filter input for the view; the time range ends now, its start rounded to the minute. */
export function apiFilter(view: DeadLetterView, nowMs: number) {
  const range = TIME_RANGES.find((r) => r.id === view.range);
  const since = range?.ms === undefined ? undefined : Math.floor(nowMs / 60_000) * 60_000 - range.ms;
  const grouped = view.view === "group";
  return {
    status: view.status,
    ...(view.source !== undefined ? { source: view.source } : {}),
    ...(view.reason ? { reasonCode: view.reason } : {}),
    ...(view.batch ? { batchId: view.batch } : {}),
    ...(view.q ? { search: view.q } : {}),
    ...(since !== undefined ? { from: new Date(since).toISOString() } : {}),
    // A group's pointer and version filter its letters only.
    ...(grouped && view.pointer !== undefined ? { path: view.pointer } : {}),
    ...(grouped && view.version !== undefined ? { schemaVersion: view.version } : {}),
  };
}

/** How many filters narrow the view (the group's key aside), for "clear filters". */
export function activeFilterCount(view: DeadLetterView): number {
  return [
    view.view !== "group" && view.source !== undefined,
    view.view !== "group" && view.reason !== undefined,
    view.status !== "open",
    view.range !== "all",
    view.batch !== undefined,
    view.q !== undefined,
  ].filter(Boolean).length;
}
