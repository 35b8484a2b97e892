// An edit made by someone who sees a letter's payload under column rules (a field masked, hashed or
// removed): the fields hidden from them keep the values the letter holds, whatever the edit says, so
// that "****" typed back (or a field left out because it was never shown) never replaces the real
// value, and nobody changes a value they may not read.
import { ruleStrictness, type TableAccess } from "@inlet/lake-core";

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The columns (dotted paths for nested rules) the reader does not see as they are, lower-cased. */
export function hiddenFields(access: TableAccess | undefined): Set<string> {
  const hidden = new Set<string>();
  if (!access) return hidden;
  const columns = new Set(access.roles.flatMap((v) => Object.keys(v.columns)));
  for (const column of columns) {
    // The least strict rule among the reader's roles is the one they read the column under.
    let least: number | undefined;
    let allowed = false;
    for (const view of access.roles) {
      const rule = view.columns[column] ?? { action: "deny" as const };
      const s = ruleStrictness(rule);
      if (least === undefined || s < least) {
        least = s;
        allowed = rule.action === "allow";
      }
    }
    if (!allowed) hidden.add(column.toLowerCase());
  }
  return hidden;
}

/** The record with each hidden field (at `prefix`) set back to the original's value (or removed). */
function restoreRecord(
  edited: Record<string, unknown>,
  original: Record<string, unknown> | undefined,
  hidden: Set<string>,
  prefix: string,
): { record: Record<string, unknown>; changed: boolean } {
  let changed = false;
  const out: Record<string, unknown> = { ...edited };
  const originalKeys = new Map(Object.keys(original ?? {}).map((k) => [k.toLowerCase(), k]));
  const names = new Set([...Object.keys(edited), ...(original ? Object.keys(original) : [])]);
  for (const name of names) {
    const path = `${prefix}${name.toLowerCase()}`;
    if (hidden.has(path)) {
      const key = originalKeys.get(name.toLowerCase());
      const was = key === undefined ? undefined : original?.[key];
      const now = out[name];
      if (JSON.stringify(now) !== JSON.stringify(was)) changed = true;
      if (was === undefined) delete out[name];
      else out[name] = was;
      continue;
    }
    const nested = [...hidden].some((h) => h.startsWith(`${path}.`));
    if (nested && isObject(out[name])) {
      const inner = restoreRecord(
        out[name] as Record<string, unknown>,
        isObject(original?.[name]) ? (original?.[name] as Record<string, unknown>) : undefined,
        hidden,
        `${path}.`,
      );
      out[name] = inner.record;
      changed ||= inner.changed;
    }
  }
  return { record: out, changed };
}

/** An event (a CloudEvent's `data` is what columns stand for) with its hidden fields restored. */
function restoreEvent(
  edited: unknown,
  original: unknown,
  hidden: Set<string>,
): { value: unknown; changed: boolean } {
  if (!isObject(edited)) return { value: edited, changed: false };
  if ("specversion" in edited && isObject(edited.data)) {
    const data = restoreRecord(
      edited.data,
      isObject(original) && isObject(original.data) ? original.data : undefined,
      hidden,
      "",
    );
    return { value: { ...edited, data: data.record }, changed: data.changed };
  }
  const r = restoreRecord(edited, isObject(original) ? original : undefined, hidden, "");
  return { value: r.record, changed: r.changed };
}

/**
 * The edited payload with the fields hidden from the reader set back to the letter's own values. The
 * text is returned as typed when nothing had to change (so numbers keep their digits); otherwise it is
 * written again, one event per line for several.
 */
export function restoreHiddenFields(
  edited: string,
  original: string,
  access: TableAccess | undefined,
): { payload: string; restored: boolean } {
  const hidden = hiddenFields(access);
  if (hidden.size === 0) return { payload: edited, restored: false };
  const parse = (text: string): unknown[] | undefined => {
    try {
      const v: unknown = JSON.parse(text);
      return Array.isArray(v) ? v : [v];
    } catch {
      try {
        return text
          .split("\n")
          .filter((l) => l.trim() !== "")
          .map((l) => JSON.parse(l) as unknown);
      } catch {
        return undefined;
      }
    }
  };
  const editedEvents = parse(edited);
  const originalEvents = parse(original) ?? [];
  if (!editedEvents) return { payload: edited, restored: false };
  let changed = false;
  const events = editedEvents.map((e, i) => {
    const r = restoreEvent(e, originalEvents[i], hidden);
    changed ||= r.changed;
    return r.value;
  });
  if (!changed) return { payload: edited, restored: false };
  const wasArray = edited.trimStart().startsWith("[");
  const text = wasArray
    ? JSON.stringify(events)
    : events.length === 1
      ? JSON.stringify(events[0])
      : events.map((e) => JSON.stringify(e)).join("\n");
  return { payload: text, restored: true };
}
