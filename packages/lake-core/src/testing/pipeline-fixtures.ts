// Test fixtures for the worker pipeline: sources with schemas, raw batches put and enqueued the way
// the ingest API does it, and a DuckDB read of a table's committed files.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Db } from "@inlet/db";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sqlStringList } from "../adapters/duckdb-sql";
import { acceptBatch } from "../ingest/accept-batch";
import type { BatchFormat } from "../ingest/envelope";
import type { Catalog } from "../ports/catalog";
import type { ObjectStore } from "../ports/object-store";
import type { Queue } from "../ports/queue";

export const TEST_ORDER_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["id", "amount", "created_at"],
  properties: {
    id: { type: "string" },
    amount: { type: "number" },
    qty: { type: "integer" },
    paid: { type: "boolean" },
    note: { type: "string" },
    created_at: { type: "string", format: "date-time" },
    tags: { type: "array", items: { type: "string" } },
  },
  additionalProperties: true,
};

export interface TestSource {
  id: string;
  slug: string;
}

export async function createTestSource(
  db: Db,
  opts: {
    slug?: string;
    schema?: unknown;
    idField?: string;
    timeField?: string;
    partitionProperty?: string;
    retentionDays?: number;
  } = {},
): Promise<TestSource> {
  const slug = opts.slug ?? `src_${randomBytes(4).toString("hex")}`;
  const source = await db.prisma.source.create({
    data: {
      slug,
      name: slug,
      kind: "http",
      idField: opts.idField ?? "id",
      timeField: opts.timeField ?? "created_at",
      partitionProperty: opts.partitionProperty ?? null,
      ...(opts.retentionDays === undefined ? {} : { retentionDays: opts.retentionDays }),
    },
  });
  const schema = opts.schema === undefined ? TEST_ORDER_SCHEMA : opts.schema;
  if (schema !== null) {
    const version = await db.prisma.schemaVersion.create({
      data: { sourceId: source.id, version: 1, jsonSchema: schema as object },
    });
    await db.prisma.source.update({ where: { id: source.id }, data: { activeSchemaVersionId: version.id } });
  }
  return { id: source.id, slug };
}

/** The format a test's raw key implies: `.json` holds CloudEvents (a batch when it starts with "["). */
function formatOf(rawKey: string | undefined, lines: string[]): BatchFormat {
  if (rawKey === undefined || rawKey.endsWith(".ndjson")) return "ndjson";
  return lines.join("").trimStart().startsWith("[") ? "cloudevents-batch" : "cloudevents";
}

/**
 * Accepts a raw batch of these lines through acceptBatch, as HTTP ingest does. `rawKey` only chooses
 * the format (`.json`: CloudEvents); `skipPut` removes the raw object afterwards (a batch whose object
 * is gone).
 */
export async function enqueueRawBatch(
  deps: { catalog: Catalog; store: ObjectStore; queue: Queue },
  source: TestSource,
  lines: string[],
  opts: {
    batchId?: string;
    receivedAt?: Date;
    rawKey?: string;
    skipPut?: boolean;
    format?: BatchFormat;
  } = {},
): Promise<{ batchId: string; rawKey: string }> {
  const format = opts.format ?? formatOf(opts.rawKey, lines);
  const body = new TextEncoder().encode(
    format === "ndjson" ? lines.map((l) => `${l}\n`).join("") : lines.join("\n"),
  );
  const accepted = await acceptBatch(deps, {
    source,
    body,
    format,
    eventCount: lines.length,
    receivedAt: opts.receivedAt ?? new Date(),
    origin: "http",
    ...(opts.batchId === undefined ? {} : { batchId: opts.batchId }),
  });
  if (opts.skipPut) await deps.store.delete([accepted.rawKey]);
  return { batchId: accepted.batchId, rawKey: accepted.rawKey };
}

/** Every row of a table's committed snapshot, read with DuckDB from the object store's files. */
export async function readCommittedRows(
  deps: { catalog: Catalog; store: ObjectStore },
  tableName: string,
  select = "*",
): Promise<Record<string, unknown>[]> {
  const view = await deps.catalog.tableSnapshot(tableName);
  if (!view || view.files.length === 0) return [];
  const paths = await Promise.all(view.files.map((f) => deps.store.localPath(f.path)));
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const reader = await conn.runAndReadAll(
      `SELECT ${select} FROM read_parquet(${sqlStringList(paths)}, union_by_name = true) ORDER BY _event_id`,
    );
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export interface GeneratedBatches {
  batches: string[][];
  /** Ids that must appear in curated exactly once. */
  validIds: Set<string>;
  /** Ids whose events violate the schema (each must be one dead letter). */
  invalidIds: Set<string>;
  /** Events that repeat an id of an earlier batch (must be dropped). */
  duplicateEvents: number;
}

/** Deterministic pseudo-random numbers, so a failing run can be reproduced. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Order events for TEST_ORDER_SCHEMA: `dupRate` of them repeat (byte for byte) an event of an earlier
 * batch, `invalidRate` carry a string amount. Payloads are padded to about `eventBytes`.
 */
export function generateOrderBatches(opts: {
  batches: number;
  perBatch: number;
  dupRate?: number;
  invalidRate?: number;
  eventBytes?: number;
  seed?: number;
  idPrefix?: string;
}): GeneratedBatches {
  const rnd = seededRandom(opts.seed ?? 42);
  const prefix = opts.idPrefix ?? "o";
  const pad = "x".repeat(Math.max(0, (opts.eventBytes ?? 200) - 190));
  const out: GeneratedBatches = {
    batches: [],
    validIds: new Set(),
    invalidIds: new Set(),
    duplicateEvents: 0,
  };
  const earlier: string[] = [];
  let n = 0;
  for (let b = 0; b < opts.batches; b++) {
    const lines: string[] = [];
    const mine: string[] = [];
    for (let i = 0; i < opts.perBatch; i++) {
      if (earlier.length > 0 && rnd() < (opts.dupRate ?? 0)) {
        lines.push(earlier[Math.floor(rnd() * earlier.length)]!);
        out.duplicateEvents += 1;
        continue;
      }
      const id = `${prefix}${n++}`;
      const invalid = rnd() < (opts.invalidRate ?? 0);
      const day = 1 + Math.floor(rnd() * 3);
      const line = JSON.stringify({
        id,
        amount: invalid ? String(n) : Math.round(rnd() * 100_000) / 100,
        qty: 1 + Math.floor(rnd() * 9),
        paid: rnd() < 0.5,
        note: pad,
        created_at: `2024-05-0${day}T${String(Math.floor(rnd() * 24)).padStart(2, "0")}:00:00Z`,
        tags: ["a", "b"],
      });
      lines.push(line);
      if (invalid) {
        out.invalidIds.add(id);
      } else {
        out.validIds.add(id);
        mine.push(line);
      }
    }
    earlier.push(...mine);
    out.batches.push(lines);
  }
  return out;
}

/** Polls until check() returns true; throws with the label after timeoutMs. */
export async function waitUntil(
  label: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const NATS_HOST = "127.0.0.1";
const NATS_PORT = 4222;
export const TEST_NATS_URL = `nats://${NATS_HOST}:${NATS_PORT}`;

function natsListening(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: NATS_HOST, port: NATS_PORT });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Makes sure nats-server listens on 127.0.0.1:4222 (starting one when nothing does); returns its stop. */
export async function ensureNatsServer(): Promise<() => Promise<void>> {
  if (await natsListening()) return async () => {};
  const storeDir = await mkdtemp(join(tmpdir(), "inlet-nats-"));
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  const bin = existsSync("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";
  const child = spawn(bin, ["-js", "-a", NATS_HOST, "-p", String(NATS_PORT), "-sd", storeDir], {
    stdio: "ignore",
  });
  let failure: Error | undefined;
  child.once("error", (err) => {
    failure = err;
  });
  while (!(await natsListening())) {
    if (failure) throw failure;
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return async () => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
    await rm(storeDir, { recursive: true, force: true });
  };
}

/** Deletes a JetStream stream made by a test. */
export async function deleteNatsStream(name: string): Promise<void> {
  const nc = await natsConnect({ servers: TEST_NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(name).catch(() => false);
  } finally {
    await nc.close();
  }
}
