// Generated hostile events through the worker: whatever JSON.parse accepts must end either in curated
// or in a dead letter of its own, never in a batch retried until it is poison.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BATCHES_QUEUE } from "../ingest/raw-batch";
import {
  createTestSource,
  enqueueRawBatch,
  readCommittedRows,
  seededRandom,
} from "../testing/pipeline-fixtures";
import { type PipelineTestBed, startPipelineTestBed } from "../testing/pipeline-test-bed";
import { type ProcessDeps, processBatches } from "./process-batches";

let bed: PipelineTestBed;
let deps: ProcessDeps;

beforeAll(async () => {
  bed = await startPipelineTestBed("adversarial", { maxReceives: 3 });
  deps = {
    catalog: bed.catalog,
    store: bed.store,
    queue: bed.queue,
    duck: bed.duck,
    tmpDir: join(bed.dir, "tmp"),
  };
});
afterAll(async () => {
  await bed?.close();
});

// JSON text fragments JSON.parse accepts and stores often choke on.
const STRINGS = [
  '"plain"',
  '""',
  '"\\u0000"',
  '"\\ud800"',
  '"\\udfff x"',
  '"\\ud83d\\ude00"',
  '"\\u001f\\t\\n\\r\\b\\f"',
  '"é 漢字 🙂"',
  '"\\\\u0041"',
  '"\\"quoted\\""',
  '"2024-05-01t10:00:00z"',
  '"2016-12-31T23:59:60Z"',
  '"9999-12-31T23:59:59Z"',
  '"0000-01-01T00:00:00Z"',
  `"${"x".repeat(3000)}"`,
];
const NUMBERS = [
  "0",
  "-0",
  "1e400",
  "-1e400",
  "1e-400",
  "9007199254740993",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775809",
  "1.5",
  "2.0",
  "1E2",
  "123456789012345678901234567890",
];
const KEYS = [
  "id",
  "amount",
  "qty",
  "paid",
  "note",
  "created_at",
  "tags",
  "_event_id",
  "_batch_id",
  "dt",
  "x",
  "é",
  "\\ud800",
  "AMOUNT",
];

function value(rand: () => number, depth: number): string {
  const r = rand();
  if (r < 0.3) return STRINGS[Math.floor(rand() * STRINGS.length)]!;
  if (r < 0.55) return NUMBERS[Math.floor(rand() * NUMBERS.length)]!;
  if (r < 0.62) return ["true", "false", "null"][Math.floor(rand() * 3)]!;
  if (r < 0.66) return `${"[".repeat(3000)}${"]".repeat(3000)}`;
  if (depth > 3) return "null";
  if (r < 0.82)
    return `[${Array.from({ length: Math.floor(rand() * 4) }, () => value(rand, depth + 1)).join(",")}]`;
  return object(rand, depth + 1);
}

function object(rand: () => number, depth: number): string {
  const members = Array.from({ length: Math.floor(rand() * 6) }, () => {
    const key = KEYS[Math.floor(rand() * KEYS.length)]!;
    return `"${key}":${value(rand, depth)}`;
  });
  return `{${members.join(",")}}`;
}

/** An event: mostly the test schema's fields with hostile values, sometimes anything at all. */
function event(rand: () => number, i: number): string {
  const members = [`"id":${rand() < 0.9 ? `"e${i}"` : value(rand, 1)}`];
  for (const key of ["amount", "qty", "note", "created_at", "tags"]) {
    if (rand() < 0.7) members.push(`"${key}":${value(rand, 1)}`);
  }
  if (rand() < 0.5) members.push(`"extra":${object(rand, 1)}`);
  if (rand() < 0.2) members.push(`"${KEYS[Math.floor(rand() * KEYS.length)]}":${value(rand, 1)}`);
  return `{${members.join(",")}}`;
}

it.each([2026, 7, 99])(
  "stores or dead-letters every generated event, and never retries a batch (seed %i)",
  async (seed) => {
    const rand = seededRandom(seed);
    const typed = await createTestSource(bed.t.db);
    const raw = await createTestSource(bed.t.db, { schema: null });
    let events = 0;
    for (let b = 0; b < 12; b += 1) {
      const lines = Array.from({ length: 60 }, () => {
        events += 1;
        return event(rand, events);
      });
      for (const line of lines) JSON.parse(line);
      await enqueueRawBatch(deps, b % 2 === 0 ? typed : raw, lines);
      // The same events as CloudEvents data.
      const ce = lines.map(
        (data, i) => `{"specversion":"1.0","type":"t","source":"/s","id":"c${b}-${i}","data":${data}}`,
      );
      await enqueueRawBatch(deps, b % 2 === 0 ? typed : raw, [`[${ce.join(",")}]`], {
        rawKey: `raw/${(b % 2 === 0 ? typed : raw).slug}/dt=2024-05-01/ce-${b}-${Date.now()}.json`,
      });
      events += lines.length;
    }
    const out = await processBatches(deps, await bed.queue.receive(BATCHES_QUEUE, { max: 100 }));
    expect(out.retried).toBe(0);
    expect(out.committed).toBe(24);
    expect(out.accepted + out.rejected + out.duplicates).toBe(events);
    // Everything committed reads back, one row per accepted event.
    let rows = 0;
    for (const src of [typed, raw]) {
      rows += (
        await readCommittedRows(
          { catalog: bed.catalog, store: bed.store },
          `curated.${src.slug}`,
          "_event_id",
        )
      ).length;
    }
    expect(rows).toBe(out.accepted);
    expect(out.accepted).toBeGreaterThan(0);
    expect(out.rejected).toBeGreaterThan(0);
  },
);
