// The history page's filters as the API takes them: blanks dropped, dates as the start of the day they
// name (the "to" day included, so its end is the next day's start).

export const RUN_STATUSES = ["running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_PATHS = [
  "sql",
  "saved",
  "csv",
  "preview",
  "latest_events",
  "event",
  "dead_letters",
  "refresh",
] as const;
export type RunPath = (typeof RUN_PATHS)[number];

export const RUN_PATH_LABELS: Record<RunPath, string> = {
  sql: "SQL editor",
  saved: "Saved query",
  csv: "CSV download",
  preview: "Table preview",
  latest_events: "Latest events",
  event: "One event",
  dead_letters: "Dead letters",
  refresh: "Analytics refresh",
};

export interface HistoryFilterForm {
  status: RunStatus | "";
  path: RunPath | "";
  text: string;
  user: string;
  /** YYYY-MM-DD, or "" */
  from: string;
  to: string;
}

export const NO_FILTERS: HistoryFilterForm = { status: "", path: "", text: "", user: "", from: "", to: "" };

export interface HistoryFilters {
  status?: RunStatus;
  path?: RunPath;
  text?: string;
  user?: string;
  from?: Date;
  to?: Date;
}

function dayStart(day: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const d = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The filters to send; `user` only for admins, who may see everyone's runs. */
export function historyFilters(form: HistoryFilterForm, admin: boolean): HistoryFilters {
  const out: HistoryFilters = {};
  if (form.status) out.status = form.status;
  if (form.path) out.path = form.path;
  if (form.text.trim()) out.text = form.text.trim();
  if (admin && form.user.trim()) out.user = form.user.trim();
  const from = dayStart(form.from);
  if (from) out.from = from;
  const to = dayStart(form.to);
  if (to) out.to = new Date(to.getTime() + 24 * 60 * 60 * 1000);
  return out;
}

/** Parameter values as one line: day=2024-05-01, ids=[1,2]. */
export function parametersText(parameters: Record<string, unknown> | null | undefined): string {
  const entries = Object.entries(parameters ?? {});
  if (entries.length === 0) return "";
  return entries
    .map(([name, value]) => `${name}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
}
