// Which dead letters a bulk replay or discard takes: letters ticked one by one (a page at a time), or
// every letter matching the current filter. Pure state, so the list and its toolbar agree and tests
// can drive it; `replaySelection` turns it into the `selection` the replays API takes.

/** Ticked ids, or "every letter matching the filter" (the count the list reported). */
export type LetterSelection =
  | { kind: "ids"; ids: ReadonlySet<string> }
  | { kind: "filter"; matching: number };

export const EMPTY_SELECTION: LetterSelection = { kind: "ids", ids: new Set() };

/** The list filter as the dead-letters list reads it (status and search are not replay filters). */
export interface ListFilter {
  status: string;
  source?: string | null;
  reasonCode?: string;
  batchId?: string;
  search?: string;
  from?: string;
  path?: string | null;
  schemaVersion?: number | null;
}

export type ReplayFilter = {
  source?: string;
  reasonCode?: string;
  batchId?: string;
  from?: string;
  path?: string;
  schemaVersion?: number;
};

export type ReplaySelection = { letterIds: string[] } | { filter: ReplayFilter };

export function isSelected(selection: LetterSelection, id: string): boolean {
  return selection.kind === "filter" || selection.ids.has(id);
}

export function toggleLetter(selection: LetterSelection, id: string): LetterSelection {
  // Unticking one letter of "all matching" starts a list of ticked ids again (from nothing).
  const ids = new Set(selection.kind === "ids" ? selection.ids : []);
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  return { kind: "ids", ids };
}

/** Whether every letter shown on the page is ticked ("select all on this page" checked). */
export function pageState(selection: LetterSelection, pageIds: readonly string[]): "all" | "some" | "none" {
  if (pageIds.length === 0) return "none";
  if (selection.kind === "filter") return "all";
  const ticked = pageIds.filter((id) => selection.ids.has(id)).length;
  return ticked === 0 ? "none" : ticked === pageIds.length ? "all" : "some";
}

/** Ticks every letter on the page, or unticks them all when they all were. */
export function togglePage(selection: LetterSelection, pageIds: readonly string[]): LetterSelection {
  if (pageState(selection, pageIds) === "all") return EMPTY_SELECTION;
  const ids = new Set(selection.kind === "ids" ? selection.ids : []);
  for (const id of pageIds) ids.add(id);
  return { kind: "ids", ids };
}

export function selectAllMatching(matching: number): LetterSelection {
  return { kind: "filter", matching };
}

export function selectedCount(selection: LetterSelection): number {
  return selection.kind === "filter" ? selection.matching : selection.ids.size;
}

/**
 * The replay filter for "all matching", or why the list's filter cannot be one: a replay takes open
 * letters only, matches no payload text, and needs a source when letters without one are asked for.
 */
export function replayFilter(filter: ListFilter): { filter: ReplayFilter } | { reason: string } {
  if (filter.status !== "open") return { reason: "Only open letters can be replayed." };
  if (filter.search !== undefined) return { reason: "A payload search cannot select letters for a replay." };
  if (filter.source === null) return { reason: "Letters without a source cannot be replayed." };
  if (filter.path === null) return { reason: "Letters without a JSON pointer cannot be selected by filter." };
  if (filter.schemaVersion === null) {
    return { reason: "Letters without a schema version cannot be selected by filter." };
  }
  const out: ReplayFilter = {};
  if (filter.source !== undefined) out.source = filter.source;
  if (filter.reasonCode !== undefined) out.reasonCode = filter.reasonCode;
  if (filter.batchId !== undefined) out.batchId = filter.batchId;
  if (filter.from !== undefined) out.from = filter.from;
  if (filter.path !== undefined) out.path = filter.path;
  if (filter.schemaVersion !== undefined) out.schemaVersion = filter.schemaVersion;
  return { filter: out };
}

/** The selection as the replays API takes it, or undefined when nothing is selected. */
export function replaySelection(selection: LetterSelection, filter: ListFilter): ReplaySelection | undefined {
  if (selection.kind === "ids") return selection.ids.size > 0 ? { letterIds: [...selection.ids] } : undefined;
  const f = replayFilter(filter);
  return "filter" in f ? { filter: f.filter } : undefined;
}
