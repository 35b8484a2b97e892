// Column rules applied to event data held as JSON rather than read through the query engine (a dead
// letter's payload, a test event's result): each top-level field is matched to the table's column of
// the same name (and a nested object's fields by path, "profile.email", when a rule names the path),
// a denied field is removed, a masked one shown as the engine shows it, a hashed one HMAC-SHA-256'd
// with the same key, so the same value hashes the same here and in SQL.
import { createHmac } from "node:crypto";
import { type ColumnRule, MASKED, type TableAccess } from "../ports/access-policy";
import { ruleStrictness } from "./access-rules";

const DENY: ColumnRule = { action: "deny" };

/** A value as the engine's CAST(… AS VARCHAR) writes it, near enough for scalars. */
function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `value` under `rule`; undefined when the rule removes it. */
export function maskJsonValue(value: unknown, rule: ColumnRule, hashKey: Uint8Array | undefined): unknown {
  if (rule.action === "allow") return value;
  if (rule.action === "deny") return undefined;
  if (value === null || value === undefined) return value;
  if (rule.action === "hash") {
    if (!hashKey) return MASKED;
    return createHmac("sha256", hashKey).update(asText(value), "utf8").digest("hex");
  }
  switch (rule.mask.style) {
    case "full":
      return MASKED;
    case "fixed":
      return rule.mask.replacement;
    case "last": {
      const text = asText(value);
      const chars = Array.from(text);
      return chars.length > rule.mask.keep
        ? MASKED + chars.slice(chars.length - rule.mask.keep).join("")
        : MASKED;
    }
  }
}

/** The rule a reader's roles put on a column: the least strict among them (deny when none shows it). */
export function columnRuleFor(access: TableAccess, column: string): ColumnRule {
  return readerRule(access, column);
}

/**
 * The rule a reader's roles put on a column of a payload: the least strict among them. A payload is
 * not a row of the table (it may never have become one), so row filters do not apply to it.
 */
function readerRule(access: TableAccess, column: string): ColumnRule {
  let least: ColumnRule | undefined;
  for (const view of access.roles) {
    const rule = view.columns[column] ?? DENY;
    if (!least || ruleStrictness(rule) < ruleStrictness(least)) least = rule;
  }
  return least ?? DENY;
}

/**
 * A JSON object (an event's data) with the reader's rules applied to its fields; fields no column
 * stands for are kept only when the table lets unknown columns through (no rule denies by default).
 */
export function maskRecord(
  record: Record<string, unknown>,
  access: TableAccess | undefined,
  hashKey: Uint8Array | undefined,
): Record<string, unknown> {
  if (!access) return record;
  const columns = new Set(access.roles.flatMap((v) => Object.keys(v.columns)));
  const lower = new Map([...columns].map((c) => [c.toLowerCase(), c]));
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(record)) {
    const column = lower.get(field.toLowerCase());
    if (column === undefined) {
      // Nested: a rule may name a path within this object ("profile.email").
      const paths = [...columns].filter((c) => c.toLowerCase().startsWith(`${field.toLowerCase()}.`));
      if (paths.length > 0 && value !== null && typeof value === "object" && !Array.isArray(value)) {
        const nested = maskRecord(
          value as Record<string, unknown>,
          {
            roles: access.roles.map((v) => ({
              ...v,
              columns: Object.fromEntries(
                Object.entries(v.columns)
                  .filter(([c]) => c.toLowerCase().startsWith(`${field.toLowerCase()}.`))
                  .map(([c, r]) => [c.slice(field.length + 1), r]),
              ),
            })),
          },
          hashKey,
        );
        out[field] = nested;
      } else {
        out[field] = value;
      }
      continue;
    }
    const masked = maskJsonValue(value, readerRule(access, column), hashKey);
    if (masked !== undefined) out[field] = masked;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** One event as received: a CloudEvent's `data` is matched to the columns; a bare object is the data. */
function maskEvent(event: unknown, access: TableAccess, hashKey: Uint8Array | undefined): unknown {
  if (!isObject(event)) return event;
  if (isObject(event.data)) return { ...event, data: maskRecord(event.data, access, hashKey) };
  return maskRecord(event, access, hashKey);
}

/** What a payload that is not JSON shows a reader whose policies restrict the table. */
export const HIDDEN_PAYLOAD =
  "[payload hidden: it is not valid JSON, so the table's column rules cannot be matched to its fields]";

/**
 * A payload as received (one JSON event, a JSON array of events, or NDJSON lines) with the reader's
 * column rules applied to each event's fields, written back as JSON. A payload that does not parse
 * cannot be matched to columns and is hidden whole.
 */
export function maskPayload(payload: string, access: TableAccess, hashKey: Uint8Array | undefined): string {
  try {
    const doc: unknown = JSON.parse(payload);
    const masked = Array.isArray(doc)
      ? doc.map((e) => maskEvent(e, access, hashKey))
      : maskEvent(doc, access, hashKey);
    return JSON.stringify(masked, null, payload.includes("\n  ") ? 2 : undefined);
  } catch {
    const lines = payload.split("\n").filter((l) => l.trim() !== "");
    try {
      return lines.map((l) => JSON.stringify(maskEvent(JSON.parse(l), access, hashKey))).join("\n");
    } catch {
      return HIDDEN_PAYLOAD;
    }
  }
}

/** The field names a JSON pointer into an event walks through ("/profile/email": profile, email). */
function pointerSegments(path: string): string[] {
  return path
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/**
 * A letter's reason as the reader may see it. A validation reason quotes the value at its path ("/email:
 * must be an email address, got \"…\""): when a rule the reader is under masks, hashes or removes the
 * column at that path (or one within it, or the one holding it), the quoted value is left out, as it
 * is from the payload. A CloudEvent's path into `data` is matched the same way.
 */
export function readableReason(reason: string, path: string | null, access: TableAccess | undefined): string {
  if (!access) return reason;
  // A reason without a path (a line that is not JSON, a file that cannot be read) may quote any part of
  // the event: for a reader any column rule restricts, what it quotes is left out.
  if (!path) return restrictsAnyColumn(access) ? withoutQuotedText(reason) : reason;
  const segments = pointerSegments(path);
  const candidates = [segments.join(".").toLowerCase()];
  if (segments[0] === "data" && segments.length > 1)
    candidates.push(segments.slice(1).join(".").toLowerCase());
  const columns = new Set(access.roles.flatMap((v) => Object.keys(v.columns)));
  const hides = [...columns].some((column) => {
    const c = column.toLowerCase();
    const related = candidates.some((p) => c === p || c.startsWith(`${p}.`) || p.startsWith(`${c}.`));
    return related && readerRule(access, column).action !== "allow";
  });
  if (!hides) return reason;
  const at = reason.search(/\bgot\b/);
  return at < 0 ? reason : `${reason.slice(0, at)}got a value the column rules of your role hide`;
}

/**
 * A partition's path ("dt=2026-12-05/tier=vip") as the reader may see it: the value of a column the
 * reader's rules mask, hash or deny is shown as MASKED ("tier=****"), since a partition's name is its
 * rows' value of that column.
 */
export function readablePartition(partition: string, access: TableAccess | undefined): string {
  if (!access) return partition;
  const columns = new Map(
    access.roles.flatMap((v) => Object.keys(v.columns)).map((c) => [c.toLowerCase(), c] as const),
  );
  return partition
    .split("/")
    .map((segment) => {
      const eq = segment.indexOf("=");
      if (eq < 0) return segment;
      const column = columns.get(decodeURIComponent(segment.slice(0, eq)).toLowerCase());
      if (column === undefined || readerRule(access, column).action === "allow") return segment;
      return `${segment.slice(0, eq)}=${MASKED}`;
    })
    .join("/");
}

/** Whether a row filter hides some of the table's rows from the reader (no role of theirs sees them all). */
export function rowsFiltered(access: TableAccess | undefined): boolean {
  return access !== undefined && access.roles.length > 0 && access.roles.every((v) => v.rowFilter !== null);
}

/** Whether a rule masks, hashes or removes some column of the table for one of the reader's roles. */
function restrictsAnyColumn(access: TableAccess): boolean {
  return access.roles.some((v) => Object.values(v.columns).some((r) => r.action !== "allow"));
}

/**
 * A reason with the text it quotes left out: on each line, from its first double quote to its last
 * (a quoted snippet may hold quotes of its own), and a line DuckDB repeats.
 */
function withoutQuotedText(reason: string): string {
  return reason
    .replace(/Original Line:[^\n]*/g, "Original Line: (hidden by the column rules of your role)")
    .replace(/"[^\n]*"/g, '"…"');
}
