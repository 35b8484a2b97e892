// Generates the bench's events: orders of about 1 KB matching the sample schema, with a share of
// invalid events (amount as a string) and of duplicate ids (a valid event sent again).

import { once } from "node:events";
import { createWriteStream } from "node:fs";

export interface GeneratedEvents {
  path: string;
  total: number;
  invalid: number;
  duplicates: number;
  /** Events that must end up in curated exactly once. */
  expectedAccepted: number;
  bytes: number;
}

export interface GenerateOptions {
  total: number;
  invalidShare: number;
  duplicateShare: number;
  targetEventBytes: number;
  /** Prefix of the event ids (default "o-"): sets generated for one source must not share ids. */
  idPrefix?: string;
}

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES = ["placed", "paid", "shipped", "cancelled"];
const CURRENCIES = ["EUR", "USD", "GBP"];
const COUNTRIES = ["DE", "FR", "NL", "US", "GB", "ES", "IT", "PL"];

export async function generateEvents(path: string, opts: GenerateOptions): Promise<GeneratedEvents> {
  const rand = mulberry32(42);
  const out = createWriteStream(path);
  let invalid = 0;
  let duplicates = 0;
  let bytes = 0;
  const validIds: string[] = [];
  const day = Date.UTC(2026, 10, 20);
  const padding = "x".repeat(Math.max(0, opts.targetEventBytes - 205));
  const prefix = opts.idPrefix ?? "o-";
  for (let i = 0; i < opts.total; i++) {
    let line: string;
    const r = rand();
    if (r < opts.duplicateShare && validIds.length > 0) {
      const id = validIds[Math.floor(rand() * validIds.length)]!;
      duplicates++;
      line = orderLine(id, rand, day, padding, true);
    } else if (r < opts.duplicateShare + opts.invalidShare) {
      invalid++;
      line = orderLine(`${prefix}${i}`, rand, day, padding, false);
    } else {
      const id = `${prefix}${i}`;
      validIds.push(id);
      line = orderLine(id, rand, day, padding, true);
    }
    bytes += line.length + 1;
    if (!out.write(`${line}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return {
    path,
    total: opts.total,
    invalid,
    duplicates,
    expectedAccepted: opts.total - invalid - duplicates,
    bytes,
  };
}

function orderLine(id: string, rand: () => number, day: number, padding: string, valid: boolean): string {
  const created = new Date(day + Math.floor(rand() * 3 * 86_400_000)).toISOString();
  const amount = Math.round(rand() * 50_000) / 100;
  return JSON.stringify({
    id,
    customer_id: `c-${Math.floor(rand() * 100_000)}`,
    email: `customer${Math.floor(rand() * 100_000)}@example.com`,
    amount: valid ? amount : String(amount),
    currency: CURRENCIES[Math.floor(rand() * CURRENCIES.length)],
    status: STATUSES[Math.floor(rand() * STATUSES.length)],
    items: 1 + Math.floor(rand() * 9),
    country: COUNTRIES[Math.floor(rand() * COUNTRIES.length)],
    created_at: created,
    note: padding,
  });
}
