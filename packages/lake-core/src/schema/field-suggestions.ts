// Suggests a sample's event-id and event-time fields from their names and values, as dotted paths the
// ingest stage reads ("id", "meta.event_id"), only where every row holds a value ingest can use.
import { type StringFormat, stringFormatOf } from "./string-formats";
import type { ObjectSketch } from "./type-sketch";

export interface FieldSuggestions {
  idField?: string;
  timeField?: string;
}

/** Names compared without case, "_" or "-" ("event_id", "eventId", "event-id" and "_id" → "id"). */
function normalName(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, "");
}

/** In order of preference. */
const ID_NAMES = ["eventid", "eventuuid", "messageid", "id", "uuid"];
const TIME_NAMES = [
  "eventtime",
  "eventtimestamp",
  "occurredat",
  "timestamp",
  "time",
  "ts",
  "eventts",
  "createdat",
  "datetime",
];
/** Other names that say "a point in time" ("placed_at", "sentAt", "order_time"), after the ones above. */
const TIME_SUFFIX = /(?:_at|At|_time|Time|_ts|timestamp|Timestamp)$/;

/** Ingest reads a number as epoch milliseconds; below 1e11 (March 1973) it is far likelier to be seconds. */
const MIN_EPOCH_MS = 1e11;
const MAX_EPOCH_MS = 8.64e15;
/** Nested fields are offered down to "a.b.c". */
const MAX_PATH_DEPTH = 3;

interface Candidate {
  path: string[];
  /** Place among the field names of every depth, in first-seen order. */
  order: number;
}

/** Fields of the root and of nested objects (not inside arrays), shallow ones first. */
function candidateFields(root: ObjectSketch): Candidate[] {
  const out: Candidate[] = [];
  const walk = (sketch: ObjectSketch, prefix: string[]) => {
    for (const [name, field] of sketch.fields) {
      // A dot inside a name would read as a path separator.
      if (name.includes(".")) continue;
      const path = [...prefix, name];
      out.push({ path, order: out.length });
      if (field.objects && path.length < MAX_PATH_DEPTH) walk(field.objects, path);
    }
  };
  walk(root, []);
  return out;
}

function valueAt(record: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = record;
  for (const part of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Rank of a field's name in a preference list (lower is better), or undefined when it is not one. */
function nameRank(path: readonly string[], names: readonly string[], suffix?: RegExp): number | undefined {
  const name = path[path.length - 1]!;
  const i = names.indexOf(normalName(name));
  if (i !== -1) return i;
  return suffix?.test(name) ? names.length : undefined;
}

/**
 * Ingest's id rules: a non-empty string or a safe integer, present in every row; unique in the sample,
 * with 1 and "1" the same id, as ingest treats them.
 */
function usableAsId(records: readonly Record<string, unknown>[], path: readonly string[]): boolean {
  const seen = new Set<string>();
  for (const record of records) {
    const v = valueAt(record, path);
    let key: string;
    if (typeof v === "string" && v !== "") key = v;
    else if (typeof v === "number" && Number.isSafeInteger(v)) key = String(v);
    else return false;
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

/** How good a time field's values are (lower is better), or undefined when some row's value is unusable. */
function timeKindRank(
  records: readonly Record<string, unknown>[],
  path: readonly string[],
): number | undefined {
  let kind: StringFormat | "epoch-ms" | undefined;
  for (const record of records) {
    const v = valueAt(record, path);
    let k: typeof kind;
    if (typeof v === "string") k = stringFormatOf(v);
    else if (typeof v === "number" && v >= MIN_EPOCH_MS && v <= MAX_EPOCH_MS) k = "epoch-ms";
    if (k === undefined || (kind !== undefined && k !== kind)) return undefined;
    kind = k;
  }
  if (kind === "date-time") return 0;
  if (kind === "epoch-ms") return 1;
  if (kind === "date") return 2;
  return undefined;
}

function best<T extends Candidate>(ranked: (T & { rank: number[] })[]): T | undefined {
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  };
  return ranked.sort((a, b) => cmp(a.rank, b.rank))[0];
}

/**
 * The id field: a known id name whose values ingest can use as ids and that is unique in the sample.
 * The time field: a known time name, or one ending like "_at"/"Time", holding a value ingest reads as
 * an event time in every row; an RFC 3339 date-time beats epoch milliseconds, which beat a bare date.
 * Epoch numbers below 1e11 are taken for seconds and not suggested (ingest would read them as ms).
 */
export function suggestFields(
  records: readonly Record<string, unknown>[],
  root: ObjectSketch,
): FieldSuggestions {
  const candidates = records.length === 0 ? [] : candidateFields(root);
  const ids = candidates.flatMap((c) => {
    const rank = nameRank(c.path, ID_NAMES);
    return rank !== undefined && usableAsId(records, c.path)
      ? [{ ...c, rank: [c.path.length, rank, c.order] }]
      : [];
  });
  const times = candidates.flatMap((c) => {
    const rank = nameRank(c.path, TIME_NAMES, TIME_SUFFIX);
    if (rank === undefined) return [];
    const kind = timeKindRank(records, c.path);
    return kind === undefined ? [] : [{ ...c, rank: [kind, c.path.length, rank, c.order] }];
  });
  const suggestions: FieldSuggestions = {};
  const id = best(ids);
  if (id) suggestions.idField = id.path.join(".");
  const time = best(times);
  if (time) suggestions.timeField = time.path.join(".");
  return suggestions;
}
