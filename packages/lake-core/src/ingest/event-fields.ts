// An event's identity from its payload: dotted paths to the id and time fields, and the rules that
// turn their values into an event id and an event time (to the microsecond).
import { escapePointerToken } from "../json/json-pointer";
import { isRecord } from "./envelope";

/**
 * A reader for a dotted path ("a.b.0.c"): a key spelled exactly like the whole path wins, then the
 * path is followed through objects (own keys only) and arrays (numeric segments).
 */
export function compilePath(path: string): (value: unknown) => unknown {
  if (path === "") return () => undefined;
  const parts = path.split(".");
  return (value) => {
    if (!isRecord(value)) return undefined;
    if (Object.hasOwn(value, path)) return value[path];
    if (parts.length === 1) return undefined;
    let current: unknown = value;
    for (const part of parts) {
      if (Array.isArray(current)) {
        if (!/^\d+$/.test(part)) return undefined;
        current = current[Number(part)];
      } else if (isRecord(current) && Object.hasOwn(current, part)) {
        current = current[part];
      } else {
        return undefined;
      }
    }
    return current;
  };
}

/** A dotted path ("meta.eventId") as the JSON pointer of the value compilePath reads ("/meta/eventId"). */
export function pointerOfPath(path: string, value?: unknown): string {
  if (isRecord(value) && Object.hasOwn(value, path)) return `/${escapePointerToken(path)}`;
  return path
    .split(".")
    .map((part) => `/${escapePointerToken(part)}`)
    .join("");
}

export function getPath(value: unknown, path: string): unknown {
  return compilePath(path)(value);
}

/**
 * A usable event id: a non-empty string, or a safe integer (|n| <= 2^53 - 1) written in decimal. The
 * number 1 and the string "1" are the same id on purpose (one producer may switch representations).
 * Other numbers are not usable (see eventIdProblem): JSON.parse cannot keep them exact, so distinct ids
 * above 2^53 (or fractions) would collapse into one and all but one event would be dropped as duplicates.
 */
export function eventIdFrom(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/**
 * Why an id value present in the event cannot be used, or undefined when it can be used or is absent
 * (then an id is assigned). `field` names the id field in the message.
 */
export function eventIdProblem(value: unknown, field: string): string | undefined {
  if (typeof value !== "number" || Number.isSafeInteger(value)) return undefined;
  return `event id field "${field}" is a number that cannot be represented exactly (not an integer of at most 2^53 - 1 = 9007199254740991); ids above 2^53 or with fractions must be sent as JSON strings`;
}

const ISO_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;
const MAX_EPOCH_MS = 8.64e15;

/**
 * A usable event time: an ISO 8601 date or date-time string (no zone means UTC, so the result does not
 * depend on the machine's time zone) or a number of milliseconds since the Unix epoch.
 */
export function eventTimeFrom(value: unknown): Date | undefined {
  if (typeof value === "number") {
    // Floored, not truncated: -1.5 ms is 2 ms before the epoch plus 500 µs (subMillisecondMicros).
    return Number.isFinite(value) && Math.abs(value) <= MAX_EPOCH_MS
      ? new Date(Math.floor(value))
      : undefined;
  }
  if (typeof value !== "string") return undefined;
  const fast = utcTimeFast(value);
  if (fast !== undefined) return new Date(fast);
  const m = ISO_TIME.exec(value);
  if (!m) return undefined;
  const [, date, clock, zone] = m;
  let offset = "Z";
  if (zone && zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2) || "00"}`;
  }
  const iso = `${date}T${(clock ?? "00:00").replace(",", ".")}${offset}`;
  if (!validCalendarTime(iso)) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/**
 * The microseconds within the millisecond of an event time as sent (the fraction's 4th to 6th digits;
 * finer digits are cut, as a timestamp column holds microseconds), for a time eventTimeFrom read.
 */
export function subMillisecondMicros(value: unknown): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return 0;
    return Math.min(999, Math.round((value - Math.floor(value)) * 1000));
  }
  if (typeof value !== "string") return 0;
  const fraction = SECONDS_FRACTION.exec(value)?.[1];
  return fraction === undefined || fraction.length <= 3 ? 0 : Number(fraction.slice(3, 6).padEnd(3, "0"));
}

const SECONDS_FRACTION = /:\d\d[.,](\d+)/;

/** The decimal value of the `n` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i += 1) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysIn(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * Milliseconds of the form producers send most, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (years 1000..9999),
 * read without regular expressions; undefined for anything else, which the general path then reads.
 * Same result as that path: fractions are truncated to milliseconds, impossible dates are refused.
 */
function utcTimeFast(s: string): number | undefined {
  const len = s.length;
  if (len < 20 || (s.charCodeAt(len - 1) | 0x20) !== 0x7a) return undefined; // ends in Z or z
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || (s.charCodeAt(10) | 0x20) !== 0x74)
    return undefined;
  if (s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a) return undefined;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let ms = 0;
  if (len > 20) {
    const sep = s.charCodeAt(19);
    if (sep !== 0x2e && sep !== 0x2c) return undefined;
    const digits = len - 21;
    if (digits < 1 || digitsAt(s, 20, digits) < 0) return undefined;
    ms = digitsAt(s, 20, Math.min(3, digits)) * (digits >= 3 ? 1 : digits === 2 ? 10 : 100);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

const CALENDAR_PARTS =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?(?:[Zz]|[+-](\d{2}):?(\d{2}))?$/;

/**
 * True when every field of an ISO 8601 date-time names a real instant: Date.parse rolls impossible
 * dates over ("2024-02-30" becomes March 1st), so the month, day, hour, minute, second and offset are
 * checked against their ranges here first.
 */
function validCalendarTime(iso: string): boolean {
  const m = CALENDAR_PARTS.exec(iso);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one (UTC, so no zone or DST effects).
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 ? (leap ? 29 : 28) : daysInMonth)) return false;
  if (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)) return false;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return false;
  return true;
}

/** An RFC 3339 timestamp (the CloudEvents `time` attribute) as a Date, or undefined when it is not one. */
export function rfc3339Time(value: string): Date | undefined {
  if (!RFC3339.test(value) || !validCalendarTime(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

export const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
