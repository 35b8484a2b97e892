// The Athena adapter's tests. They run against a local endpoint that speaks Athena's and Glue's API
// contract (testing/athena-endpoint.ts, answering from DuckDB over an S3-compatible store), not
// against AWS itself: what is tested is the adapter's use of that contract — registration, paging,
// cancellation, limits, errors, and access policies applied through secure views whose hashes are
// real HMACs — not Athena's own SQL dialect.
import { createHmac } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { text } from "node:stream/consumers";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InletError } from "../errors";
import type { ColumnRule, RoleView, TableAccess } from "../ports/access-policy";
import type { ObjectStore } from "../ports/object-store";
import type { BoundFile, QueryEngine, TableBinding } from "../ports/query-engine";
import { type AthenaEndpoint, startAthenaEndpoint } from "../testing/athena-endpoint";
import { PEOPLE_ROWS, writePolicyFixtures } from "../testing/policy-fixtures";
import { queryEngineContract } from "../testing/query-engine-contract";
import { type S3rverHandle, startS3rver } from "../testing/s3rver";
import { type AthenaEngineOptions, createAthenaEngine, pollDelays } from "./athena-engine";
import { createDuckDbEngine } from "./duckdb-engine";
import { glueTableName, secureViewBase } from "./glue-table-sync";
import { LocalFsObjectStore } from "./local-fs-store";
import { S3ObjectStore } from "./s3-store";

const DATABASE = "inlet_test";

interface Bed {
  s3: S3rverHandle;
  endpoint: AthenaEndpoint;
  store: ObjectStore;
  dir: string;
  engine(extra?: Partial<AthenaEngineOptions>): ReturnType<typeof createAthenaEngine>;
  stop(): Promise<void>;
}

async function startBed(opts: { queuedPolls?: number } = {}): Promise<Bed> {
  const s3 = await startS3rver();
  const endpoint = await startAthenaEndpoint({
    s3: { endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials },
    ...opts,
  });
  const dir = await mkdtemp(join(tmpdir(), "inlet-athena-test-"));
  const store = new S3ObjectStore(s3.storeUrl("lake"), s3.storeOptions({ cacheDir: join(dir, "cache") }));
  const engines: ReturnType<typeof createAthenaEngine>[] = [];
  return {
    s3,
    endpoint,
    store,
    dir,
    engine(extra = {}) {
      const engine = createAthenaEngine({
        store,
        database: DATABASE,
        region: s3.region,
        credentials: s3.credentials,
        athenaEndpoint: endpoint.url,
        glueEndpoint: endpoint.url,
        s3: { endpoint: s3.endpoint, forcePathStyle: true },
        outputLocation: `${s3.storeUrl("athena-results")}/`,
        poll: { initialMs: 5, maxMs: 40 },
        ...extra,
      });
      engines.push(engine);
      return engine;
    },
    async stop() {
      await Promise.allSettled(engines.map((e) => e.close()));
      await endpoint.stop();
      await s3.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes Parquet with DuckDB and puts it in the store under `key`. */
async function putParquet(bed: Bed, key: string, select: string): Promise<BoundFile> {
  const path = join(bed.dir, "files", key);
  await mkdir(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const result = await connection.runAndReadAll(`SELECT count(*) AS n FROM (${select})`);
    await connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`);
    await bed.store.put(key, await readFile(path));
    return { key, bytes: (await stat(path)).size, rowCount: Number(result.getRowsJson()[0]?.[0]) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function rejection(promise: Promise<unknown>): Promise<InletError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InletError);
  return err as InletError;
}

queryEngineContract(
  "athena, through a local endpoint speaking Athena's and Glue's API",
  async (fx) => {
    const bed = await startBed();
    for (const f of [...fx.orders.files, ...fx.events.files]) {
      await bed.store.put(f.key, await readFile(join(fx.dir, f.key)));
    }
    const engine = bed.engine();
    return { engine, cleanup: () => bed.stop() };
  },
  { complexValuesAsText: true },
);

describe("AthenaQueryEngine", () => {
  let bed: Bed;
  let clicks: TableBinding;
  let numbers: TableBinding;
  const partitionBytes = new Map<string, number>();

  beforeAll(async () => {
    bed = await startBed();
    const day = (dt: string, region: string, n: number) =>
      putParquet(
        bed,
        `curated/clicks/dt=${dt}/region=${region}/part-0.parquet`,
        `SELECT range AS id, '${region}' AS region, TIMESTAMPTZ '${dt} 10:00:00+00' AS _event_time, DATE '${dt}' AS dt FROM range(${n})`,
      );
    const files = [
      await day("2026-01-01", "eu", 10),
      await day("2026-01-01", "us", 20),
      await day("2026-01-02", "eu", 30),
    ];
    for (const f of files) {
      const partition = f.key.split("/").slice(2, 3).join("/");
      partitionBytes.set(partition, (partitionBytes.get(partition) ?? 0) + f.bytes);
    }
    clicks = {
      name: "curated.clicks",
      tableId: "t-clicks",
      snapshotSeq: 3,
      files,
      columns: [
        { name: "id", type: "BIGINT" },
        { name: "region", type: "VARCHAR" },
        { name: "_event_time", type: "TIMESTAMPTZ" },
        { name: "dt", type: "DATE" },
      ],
    };
    numbers = {
      name: "analytics.numbers",
      tableId: "t-numbers",
      snapshotSeq: 1,
      files: [
        await putParquet(bed, "analytics/numbers/part-0.parquet", "SELECT range AS n FROM range(2500)"),
      ],
      columns: [{ name: "n", type: "BIGINT" }],
    };
  });

  afterAll(async () => {
    await bed?.stop();
  });

  it("registers a table at its snapshot: a Glue table over symlink manifests, its dt and property partitions", async () => {
    const engine = bed.engine();
    // A file in the table's folders that no snapshot committed: Athena must not read it.
    await putParquet(
      bed,
      "curated/clicks/dt=2026-01-01/region=eu/uncommitted.parquet",
      "SELECT 99 AS id, 'eu' AS region",
    );
    const res = await engine.query({
      sql: "SELECT dt, region, count(*) AS n FROM curated.clicks GROUP BY dt, region ORDER BY dt, region",
      tables: [clicks],
    });
    expect(res.rows).toEqual([
      { dt: "2026-01-01", region: "eu", n: "10" },
      { dt: "2026-01-01", region: "us", n: "20" },
      { dt: "2026-01-02", region: "eu", n: "30" },
    ]);
    expect(res.columns).toEqual([
      { name: "dt", type: "DATE" },
      { name: "region", type: "VARCHAR" },
      { name: "n", type: "BIGINT" },
    ]);

    const name = glueTableName(clicks);
    const table = bed.endpoint.glue.table(DATABASE, name);
    expect(table?.StorageDescriptor).toMatchObject({
      InputFormat: "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat",
      SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
      Columns: [
        { Name: "id", Type: "bigint" },
        { Name: "_event_time", Type: "timestamp" },
      ],
    });
    expect(table?.PartitionKeys).toEqual([
      { Name: "dt", Type: "date" },
      { Name: "region", Type: "string" },
    ]);
    expect(table?.Parameters).toMatchObject({ inlet_table: "curated.clicks", inlet_snapshot: "3" });
    const partitions = bed.endpoint.glue.partitions(DATABASE, name);
    expect(partitions.map((p) => p.Values)).toEqual([
      ["2026-01-01", "eu"],
      ["2026-01-01", "us"],
      ["2026-01-02", "eu"],
    ]);
    const manifestKey = `_athena/manifests/${DATABASE}/${name}/dt=2026-01-01/region=eu/manifest`;
    expect(partitions[0]?.StorageDescriptor?.Location).toBe(
      `${bed.s3.storeUrl(`lake/${dirname(manifestKey)}`)}/`,
    );
    const manifest = new TextDecoder().decode(await bed.store.get(manifestKey));
    expect(manifest).toBe(`${bed.s3.storeUrl(`lake/${clicks.files[0]!.key}`)}\n`);
  });

  it("registers each (table, snapshot) once, and a new snapshot as a table of its own", async () => {
    const engine = bed.engine();
    const creates = () => bed.endpoint.callsTo("CreateTable").length;
    await engine.query({ sql: "SELECT count(*) AS n FROM curated.clicks", tables: [clicks] });
    const before = creates();
    await engine.query({ sql: "SELECT count(*) AS n FROM curated.clicks", tables: [clicks] });
    expect(creates()).toBe(before);

    const extra = await putParquet(
      bed,
      "curated/clicks/dt=2026-01-03/region=eu/part-0.parquet",
      "SELECT range AS id, 'eu' AS region, TIMESTAMPTZ '2026-01-03 10:00:00+00' AS _event_time, DATE '2026-01-03' AS dt FROM range(5)",
    );
    const next = { ...clicks, snapshotSeq: 4, files: [...clicks.files, extra] };
    const newer = await engine.query({ sql: "SELECT count(*) AS n FROM curated.clicks", tables: [next] });
    expect(newer.rows).toEqual([{ n: "65" }]);
    expect(creates()).toBe(before + 1);
    // The older snapshot's registration still reads exactly its own files.
    const older = await engine.query({ sql: "SELECT count(*) AS n FROM curated.clicks", tables: [clicks] });
    expect(older.rows).toEqual([{ n: "60" }]);
  });

  it("reports Athena's DataScannedInBytes, after partition pruning", async () => {
    const engine = bed.engine();
    const all = await engine.query({ sql: "SELECT count(*) AS n FROM curated.clicks", tables: [clicks] });
    expect(all.bytesScanned).toBe(clicks.files.reduce((n, f) => n + f.bytes, 0));
    const oneDay = await engine.query({
      sql: "SELECT count(*) AS n FROM curated.clicks WHERE dt = DATE '2026-01-02'",
      tables: [clicks],
    });
    expect(oneDay.rows).toEqual([{ n: "30" }]);
    expect(oneDay.bytesScanned).toBe(partitionBytes.get("dt=2026-01-02"));
    const last = [...bed.endpoint.executions.values()].at(-1)!;
    expect(last.scannedBytes).toBe(oneDay.bytesScanned);
  });

  it("pages GetQueryResults with NextToken up to maxRows and says when it stopped short", async () => {
    const engine = bed.engine();
    const pages = () => bed.endpoint.callsTo("GetQueryResults").length;
    let before = pages();
    const whole = await engine.query({
      sql: "SELECT n FROM analytics.numbers ORDER BY n",
      tables: [numbers],
      maxRows: 5000,
    });
    expect(whole.rows).toHaveLength(2500);
    expect(whole.rows.slice(0, 2)).toEqual([{ n: "0" }, { n: "1" }]);
    expect(whole.rows.at(-1)).toEqual({ n: "2499" });
    expect(whole.truncated).toBe(false);
    // 1,000 rows a page, the header row first: 999 + 1000 + 501.
    expect(pages() - before).toBe(3);

    before = pages();
    const cut = await engine.query({
      sql: "SELECT n FROM analytics.numbers ORDER BY n",
      tables: [numbers],
      maxRows: 1200,
    });
    expect(cut.rows).toHaveLength(1200);
    expect(cut.rows.at(-1)).toEqual({ n: "1199" });
    expect(cut.truncated).toBe(true);
    expect(pages() - before).toBe(2);
    const tokens = bed.endpoint.callsTo("GetQueryResults").slice(-2);
    expect(tokens[0]?.input.NextToken).toBeUndefined();
    expect(tokens[1]?.input.NextToken).toEqual(expect.any(String));

    const small = await engine.query({
      sql: "SELECT n FROM analytics.numbers",
      tables: [numbers],
      maxResultBytes: 100,
    });
    expect(small.truncated).toBe(true);
    expect(small.rows.length).toBeLessThan(20);
  });

  it("binds $name parameters as ExecutionParameters, never in the query text", async () => {
    const engine = bed.engine();
    const res = await engine.query({
      sql: "SELECT count(*) AS n FROM curated.clicks WHERE dt = $day AND region IN $regions",
      tables: [clicks],
      params: {
        day: { type: "date", value: "2026-01-01" },
        regions: { type: "list", items: "text", value: ["us", "x'y"] },
      },
    });
    expect(res.rows).toEqual([{ n: "20" }]);
    const start = bed.endpoint.callsTo("StartQueryExecution").at(-1)!;
    expect(start.input.ExecutionParameters).toEqual(["DATE '2026-01-01'", "'us'", "'x''y'"]);
    expect(start.input.QueryString).toContain("dt = ? AND region IN (?, ?)");
    expect(start.input.QueryExecutionContext).toEqual({ Database: DATABASE, Catalog: "AwsDataCatalog" });
    expect(String(start.input.ClientRequestToken)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("stops the query in Athena when the caller's signal aborts", async () => {
    const engine = bed.engine();
    const controller = new AbortController();
    const running = engine.query({
      sql: "SELECT count(*) FROM range(1000000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3",
      tables: [],
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 200);
    const err = await rejection(running);
    expect(err.code).toBe("CANCELLED");
    expect(err.details).toMatchObject({ aborted: true });
    const id = String(err.details?.queryExecutionId);
    expect(bed.endpoint.callsTo("StopQueryExecution").map((c) => c.input.QueryExecutionId)).toContain(id);
    expect(bed.endpoint.executions.get(id)?.state).toBe("CANCELLED");
  });

  it("stops a query that runs past the engine's time limit", async () => {
    const engine = bed.engine({ timeoutMs: 300 });
    const err = await rejection(
      engine.query({
        sql: "SELECT count(*) FROM range(1000000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3",
        tables: [],
      }),
    );
    expect(err.message).toMatch(/timed out/);
    expect(err.details).toMatchObject({ limit: "time" });
    const id = String(err.details?.queryExecutionId);
    expect(bed.endpoint.callsTo("StopQueryExecution").map((c) => c.input.QueryExecutionId)).toContain(id);
  });

  it("gives a FAILED query's reason with the line and column of the SQL as typed", async () => {
    const engine = bed.engine();
    const failed = await rejection(
      engine.query({ sql: "SELECT id,\n       nope\nFROM curated.clicks", tables: [clicks] }),
    );
    expect(failed.code).toBe("BAD_REQUEST");
    expect(failed.message).toMatch(/^COLUMN_NOT_FOUND: line 2:8: .*nope/);
    expect(failed.details).toMatchObject({ line: 2, column: 8, athenaErrorCategory: 2, field: "sql" });
    expect(failed.message).not.toContain(glueTableName(clicks));

    // Refused by StartQueryExecution itself; the position is after a table name the engine rewrote.
    const malformed = await rejection(
      engine.query({ sql: "SELECT * FROM curated.clicks WHERE (", tables: [clicks] }),
    );
    expect(malformed.code).toBe("BAD_REQUEST");
    expect(malformed.details).toMatchObject({ line: 1, column: 37, athenaErrorCode: "MALFORMED_QUERY" });
  });

  it("polls GetQueryExecution with exponential backoff, capped", async () => {
    expect([...take(pollDelays({ initialMs: 20, factor: 2, maxMs: 80 }), 5)]).toEqual([20, 40, 80, 80, 80]);
    const queued = await startBed({ queuedPolls: 6 });
    try {
      const engine = queued.engine({ poll: { initialMs: 20, factor: 2, maxMs: 80 } });
      await engine.query({ sql: "SELECT 1 AS one", tables: [] });
      const at = queued.endpoint.callsTo("GetQueryExecution").map((c) => c.at);
      expect(at.length).toBeGreaterThanOrEqual(7);
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      // Each wait is at least its step of 20, 40, 80, 80, …; timers only run late, never early.
      const expected = [20, 40, 80, 80, 80, 80];
      for (const [i, gap] of gaps.slice(0, 6).entries()) expect(gap).toBeGreaterThanOrEqual(expected[i]! - 2);
      // Capped: the last three waits are about 80 ms each; uncapped they would be 160 + 320 + 640.
      expect(gaps[3]! + gaps[4]! + gaps[5]!).toBeLessThan(600);
    } finally {
      await queued.stop();
    }
  });

  it("runs a query with a byte limit in a workgroup whose cutoff is that limit, made once", async () => {
    const engine = bed.engine();
    const limit = 50_000_000;
    const res = await engine.query({
      sql: "SELECT count(*) AS n FROM curated.clicks",
      tables: [clicks],
      maxBytesScanned: limit,
    });
    expect(res.rows).toEqual([{ n: "60" }]);
    const workGroup = `primary-cutoff-${limit}`;
    expect(bed.endpoint.workGroups.get(workGroup)?.Configuration).toMatchObject({
      BytesScannedCutoffPerQuery: limit,
    });
    expect(bed.endpoint.callsTo("StartQueryExecution").at(-1)?.input.WorkGroup).toBe(workGroup);
    await engine.query({ sql: "SELECT 1 AS one", tables: [], maxBytesScanned: limit });
    expect(bed.endpoint.callsTo("CreateWorkGroup").filter((c) => c.input.Name === workGroup)).toHaveLength(1);

    // Below Athena's 10 MB floor the query runs under the floor's cutoff and its result is withheld.
    const tiny = await rejection(
      engine.query({
        sql: "SELECT count(*) AS n FROM curated.clicks",
        tables: [clicks],
        maxBytesScanned: 100,
      }),
    );
    expect(tiny.code).toBe("BUDGET_EXCEEDED");
    expect(tiny.details).toMatchObject({
      limit: "perQueryBytes",
      limitBytes: 100,
      stoppedByAthena: false,
      cutoffBytes: 10_000_000,
    });
  });

  it("reports a query Athena stopped at its workgroup's cutoff as over the per-query limit", async () => {
    // An operator's workgroup (the function form of cutoffWorkGroups); its cutoff is set small here
    // so the fixture's few kilobytes cross it.
    bed.endpoint.workGroups.set("tight", {
      Name: "tight",
      State: "ENABLED",
      Configuration: { BytesScannedCutoffPerQuery: 1000 },
    });
    const engine = bed.engine({ cutoffWorkGroups: async () => "tight" });
    const err = await rejection(
      engine.query({
        sql: "SELECT count(*) AS n FROM curated.clicks",
        tables: [clicks],
        maxBytesScanned: 1000,
      }),
    );
    expect(err.code).toBe("BUDGET_EXCEEDED");
    expect(err.details).toMatchObject({ limit: "perQueryBytes", limitBytes: 1000, stoppedByAthena: true });
    expect(err.message).toMatch(/over its per-query limit/);
    expect(bed.endpoint.executions.get(String(err.details?.queryExecutionId))?.state).toBe("CANCELLED");
  });

  it("exports the whole result as the CSV Athena wrote, streamed from the output location", async () => {
    const engine = bed.engine();
    const csv = await engine.exportCsv({
      sql: "SELECT n, 'a,\"b\"' AS s FROM analytics.numbers ORDER BY n",
      tables: [numbers],
    });
    expect(csv.rows).toBe(2500);
    expect(csv.bytesScanned).toBe(numbers.files[0]!.bytes);
    const body = await text(csv.body);
    const lines = body.trimEnd().split("\n");
    expect(lines[0]).toBe('"n","s"');
    expect(lines[1]).toBe('"0","a,""b"""');
    expect(lines).toHaveLength(2501);
  });

  it("drops registrations no query used within their time to live, with their manifests", async () => {
    const engine = bed.engine({ registrationTtlMs: 50 });
    const binding = { ...numbers, snapshotSeq: 9 };
    await engine.query({ sql: "SELECT count(*) AS n FROM analytics.numbers", tables: [binding] });
    const name = glueTableName(binding);
    expect(bed.endpoint.glue.table(DATABASE, name)).toBeDefined();
    await new Promise((r) => setTimeout(r, 80));
    const dropped = await engine.sweepRegistrations();
    expect(dropped).toContain(name);
    expect(bed.endpoint.glue.table(DATABASE, name)).toBeUndefined();
    expect(await bed.store.get(`_athena/manifests/${DATABASE}/${name}/manifest`)).toBeUndefined();
    // Used again, it is registered again.
    const again = await engine.query({
      sql: "SELECT count(*) AS n FROM analytics.numbers",
      tables: [binding],
    });
    expect(again.rows).toEqual([{ n: "2500" }]);
  });

  it("refuses a lake that is not on S3", () => {
    expect(() => createAthenaEngine({ store: { url: "file:///tmp/lake" } as ObjectStore })).toThrow(
      /s3:\/\//,
    );
  });
});

describe("AthenaQueryEngine under access policies", () => {
  const KEY = Buffer.from("athena-policy-test-key-0123456789");
  const ALLOW: ColumnRule = { action: "allow" };
  const COLUMNS = ["id", "email", "card_number", "ssn", "region", "score", "profile"];
  let bed: Bed;
  let athena: QueryEngine;
  let duck: QueryEngine;
  let people: TableBinding;

  const role = (name: string, rowFilter: string | null, rules: Record<string, ColumnRule>): RoleView => ({
    role: name,
    rowFilter,
    columns: Object.fromEntries(COLUMNS.map((c) => [c, rules[c] ?? ALLOW])),
  });
  const analyst: TableAccess = {
    roles: [
      role("analyst", "region <> 'hidden'", {
        email: { action: "mask", mask: { style: "full" } },
        card_number: { action: "deny" },
        ssn: { action: "mask", mask: { style: "last", keep: 4 } },
        profile: { action: "mask", mask: { style: "full" } },
      }),
    ],
  };
  const restricted = (access: TableAccess, extra: Partial<TableBinding> = {}): TableBinding => ({
    ...people,
    access,
    ...extra,
  });
  /** The statements the endpoint was sent since `from`: the views' DDL and the queries themselves. */
  const sent = (from: number) => {
    const all = bed.endpoint.callsTo("StartQueryExecution").slice(from);
    const text = all.map((c) => String(c.input.QueryString));
    return {
      ddl: text.filter((q) => q.startsWith("CREATE OR REPLACE VIEW")),
      queries: text.filter((q) => !q.startsWith("CREATE OR REPLACE VIEW")),
    };
  };
  const starts = () => bed.endpoint.callsTo("StartQueryExecution").length;

  beforeAll(async () => {
    bed = await startBed();
    const dir = join(bed.dir, "policy");
    const fx = await writePolicyFixtures(dir, "a");
    const files = await Promise.all(
      fx.people.files.map(async (f) => {
        const body = await readFile(join(dir, f.key));
        await bed.store.put(f.key, body);
        return { ...f, bytes: body.length };
      }),
    );
    people = { ...fx.people, files };
    athena = bed.engine({ policyHashKey: KEY });
    duck = createDuckDbEngine({ store: new LocalFsObjectStore(dir), threads: 1, policyHashKey: KEY });
  });

  afterAll(async () => {
    await duck?.close();
    await bed?.stop();
  });

  /** The same query over the same access on both engines. */
  async function onBoth(sql: string, access: TableAccess) {
    const [a, d] = await Promise.all([
      athena.query({ sql, tables: [restricted(access)] }),
      duck.query({ sql, tables: [restricted(access)] }),
    ]);
    return { athena: a, duck: d };
  }

  it("reads a restricted table through a view: masks, the denied column absent, the row filter — as DuckDB does", async () => {
    const all = await onBoth("SELECT * FROM curated.people ORDER BY id", analyst);
    expect(all.athena.columns.map((c) => c.name)).toEqual([
      "id",
      "email",
      "ssn",
      "region",
      "score",
      "profile",
    ]);
    expect(all.athena.columns.map((c) => c.name)).toEqual(all.duck.columns.map((c) => c.name));
    expect(all.athena.rows).toHaveLength(PEOPLE_ROWS - PEOPLE_ROWS / 5);
    expect(all.athena.rows).toEqual(all.duck.rows);
    expect(all.athena.rows[0]).toEqual({
      id: "1",
      email: "****",
      ssn: "****0001",
      region: "us",
      score: "1",
      profile: "****",
    });
    // NULL stays NULL under a mask.
    expect(all.athena.rows.find((r) => r.id === "7")?.email).toBeNull();

    const csv = await athena.exportCsv({
      sql: "SELECT * FROM curated.people ORDER BY id",
      tables: [restricted(analyst)],
    });
    const lines = (await text(csv.body)).trimEnd().split("\n");
    expect(lines[0]).toBe('"id","email","ssn","region","score","profile"');
    expect(lines[1]).toBe('"1","****","****0001","us","1","****"');
    expect(lines).toHaveLength(PEOPLE_ROWS - PEOPLE_ROWS / 5 + 1);
  });

  it("hashes a column with the policy key: Node's HMAC-SHA-256 of the value, as DuckDB's; NULL stays NULL", async () => {
    const access: TableAccess = { roles: [role("analyst", null, { email: { action: "hash" } })] };
    const both = await onBoth("SELECT id, email FROM curated.people ORDER BY id", access);
    expect(both.athena.rows).toHaveLength(PEOPLE_ROWS);
    for (const row of both.athena.rows) {
      const id = Number(row.id);
      const plain = id % 7 === 0 ? null : `alpha${id}@example.com`;
      expect(row.email).toBe(plain === null ? null : createHmac("sha256", KEY).update(plain).digest("hex"));
    }
    expect(both.athena.rows).toEqual(both.duck.rows);
    // Equal values hash equally: a join on the hashed column still matches.
    const joined = await athena.query({
      sql: "SELECT count(*) AS n FROM curated.people a JOIN curated.people b ON a.email = b.email",
      tables: [restricted(access)],
    });
    expect(joined.rows).toEqual([{ n: String(PEOPLE_ROWS - Math.ceil(PEOPLE_ROWS / 7)) }]);
  });

  it("combines two roles row by row: each row under the least strict rule of the roles whose filter admits it", async () => {
    const access: TableAccess = {
      roles: [
        role("eu", "region = 'eu'", {
          card_number: { action: "deny" },
          ssn: { action: "mask", mask: { style: "last", keep: 4 } },
          profile: { action: "deny" },
        }),
        role("us", "region = 'us'", {
          email: { action: "hash" },
          card_number: { action: "mask", mask: { style: "last", keep: 4 } },
          ssn: { action: "deny" },
          profile: { action: "deny" },
        }),
      ],
    };
    const both = await onBoth("SELECT * FROM curated.people ORDER BY id", access);
    expect(both.athena.columns.map((c) => c.name)).toEqual([
      "id",
      "email",
      "card_number",
      "ssn",
      "region",
      "score",
    ]);
    expect(both.athena.rows).toEqual(both.duck.rows);
    const eu = both.athena.rows.find((r) => r.region === "eu")!;
    const us = both.athena.rows.find((r) => r.region === "us")!;
    expect(eu).toMatchObject({ card_number: null, ssn: expect.stringMatching(/^\*{4}\d{4}$/) });
    expect(eu.email).toMatch(/@example\.com$/);
    expect(us).toMatchObject({ ssn: null, card_number: expect.stringMatching(/^\*{4}\d{4}$/) });
    expect(us.email).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(both.athena.rows.map((r) => r.region))).toEqual(new Set(["eu", "us"]));
  });

  it("never names the raw table in the query it runs; one view per (snapshot, rules), made once", async () => {
    const raw = glueTableName(people);
    let from = starts();
    await athena.query({ sql: "SELECT count(*) AS n FROM curated.people", tables: [restricted(analyst)] });
    await athena.query({
      sql: "SELECT id FROM curated.people AS p WHERE p.id < 3",
      tables: [restricted(analyst)],
    });
    let { ddl, queries } = sent(from);
    expect(queries).toHaveLength(2);
    for (const q of queries) expect(q).not.toContain(raw);
    // The view was made by an earlier test for these rules: not made again.
    expect(ddl).toHaveLength(0);

    const views = bed.endpoint.glue.tables(DATABASE).filter((t) => t.TableType === "VIRTUAL_VIEW");
    expect(views.every((v) => secureViewBase(v.Name) === raw)).toBe(true);
    const analystView = views.find((v) => queries[0]!.includes(v.Name));
    expect(analystView).toBeDefined();
    expect(analystView!.Name).not.toContain(raw);

    // Other rules get a view of their own; the same rules another time, none.
    const other: TableAccess = { roles: [role("support", "region = 'us'", { ssn: { action: "deny" } })] };
    from = starts();
    await athena.query({ sql: "SELECT count(*) AS n FROM curated.people", tables: [restricted(other)] });
    await athena.query({ sql: "SELECT count(*) AS n FROM curated.people", tables: [restricted(other)] });
    ({ ddl, queries } = sent(from));
    expect(ddl).toHaveLength(1);
    expect(ddl[0]).toContain(`FROM "${DATABASE}"."${raw}"`);
    for (const q of queries) expect(q).not.toContain(raw);
    expect(queries[0]).not.toContain(analystView!.Name);

    // The same table unrestricted (another reader) is read from its registration.
    from = starts();
    const open = await athena.query({ sql: "SELECT count(*) AS n FROM curated.people", tables: [people] });
    expect(open.rows).toEqual([{ n: String(PEOPLE_ROWS) }]);
    expect(sent(from).queries[0]).toContain(raw);
  });

  it("refuses a query naming a denied column, saying the column is hidden (403)", async () => {
    const err = await rejection(
      athena.query({ sql: "SELECT id, card_number FROM curated.people", tables: [restricted(analyst)] }),
    );
    expect(err.code).toBe("FORBIDDEN");
    expect(err.message).toBe("Column card_number of curated.people is hidden from you by an access policy");
    expect(err.details).toMatchObject({
      column: "card_number",
      table: "curated.people",
      policy: "deny",
      field: "sql",
    });
    // A column that does not exist at all is still the query's own mistake.
    const unknown = await rejection(
      athena.query({ sql: "SELECT nope FROM curated.people", tables: [restricted(analyst)] }),
    );
    expect(unknown.code).toBe("BAD_REQUEST");
    expect(unknown.message).toMatch(/Column 'nope' cannot be resolved/);
    expect(unknown.message).not.toContain(glueTableName(people));
  });

  it("does not read a table whose view Athena refuses (a row filter Trino cannot run), and never shows the key", async () => {
    const access: TableAccess = {
      roles: [role("analyst", "no_such_function(region)", { email: { action: "hash" } })],
    };
    const err = await rejection(
      athena.query({ sql: "SELECT id FROM curated.people", tables: [restricted(access)] }),
    );
    expect(err.code).toBe("FORBIDDEN");
    expect(err.message).toMatch(
      /^The access rules on curated\.people for your roles could not be applied in Athena/,
    );
    expect(err.details).toMatchObject({ table: "curated.people", policy: "engine" });
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(KEY.toString("hex"));
    // The query itself never ran.
    const last = bed.endpoint.callsTo("StartQueryExecution").at(-1)!;
    expect(String(last.input.QueryString)).toMatch(/^CREATE OR REPLACE VIEW/);
  });

  it("refuses a hash rule when no key is configured, before anything runs", async () => {
    const keyless = bed.engine();
    const access: TableAccess = { roles: [role("analyst", null, { email: { action: "hash" } })] };
    const from = starts();
    const err = await rejection(
      keyless.query({ sql: "SELECT id FROM curated.people", tables: [restricted(access)] }),
    );
    expect(err.code).toBe("INTERNAL");
    expect(err.message).toMatch(/no policy hash key/);
    expect(starts()).toBe(from);
  });

  it("drops a registration's views with it when the sweep drops the registration", async () => {
    const engine = bed.engine({ policyHashKey: KEY, registrationTtlMs: 50 });
    const binding = restricted(analyst, { snapshotSeq: 42 });
    await engine.query({ sql: "SELECT count(*) AS n FROM curated.people", tables: [binding] });
    const raw = glueTableName(binding);
    const view = bed.endpoint.glue
      .tables(DATABASE)
      .find((t) => t.TableType === "VIRTUAL_VIEW" && secureViewBase(t.Name) === raw);
    expect(view).toBeDefined();
    await new Promise((r) => setTimeout(r, 80));
    const dropped = await engine.sweepRegistrations();
    expect(dropped).toEqual(expect.arrayContaining([raw, view!.Name]));
    expect(bed.endpoint.glue.table(DATABASE, view!.Name)).toBeUndefined();
    // Used again: registered and its view made again.
    const again = await engine.query({ sql: "SELECT count(*) AS n FROM curated.people", tables: [binding] });
    expect(again.rows).toEqual([{ n: String(PEOPLE_ROWS - PEOPLE_ROWS / 5) }]);
    expect(bed.endpoint.glue.table(DATABASE, view!.Name)).toBeDefined();
  });
});

function* take<T>(items: Iterator<T>, n: number): Generator<T> {
  for (let i = 0; i < n; i += 1) {
    const next = items.next();
    if (next.done) return;
    yield next.value;
  }
}
