// `npm run bench -- --queries`: the query path's own cost beside DuckDB running the same SQL directly
// on the same files in the same run. A curated table of --rows rows (default 1,000,000) over --days
// days in --files-per-day Parquet files per day, plus a small customers table, is written with DuckDB
// and committed to a fresh catalog with its footer statistics. For each typical query it prints
// DuckDB alone (one open connection with views over the files, read with the engine's options), the DuckDB engine (a locked instance
// per query, the SQL guard, bytes scanned from the plan), the whole query path (LakeReader.runQuery:
// resolve, guard, estimate, budgets, the engine, history in PostgreSQL) and what it adds to the
// engine, the catalog read that resolves the tables, estimateQuery alone and LakeReader.estimate (what
// the console asks as one types, with budgets), as p50/p95 over interleaved rounds, with the
// estimate's error against the bytes the engine measured; then what the query path adds to DuckDB
// alone (p50 and p95 of their difference round by round, and their ratio), the target, with DuckDB's
// file lockdown and without it (INLET_QUERY_FILE_LOCKDOWN), and DuckDB alone reading partitions from
// the paths; then the
// estimate as one types (every prefix of each query). Figures only.
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { createTestDatabase } from "@inlet/db/testing";
import {
  bindingOf,
  type ColumnSpec,
  createDuckDbEngine,
  curatedColumns,
  estimateQuery,
  isInletError,
  LakeReader,
  LocalFsObjectStore,
  type NewDataFile,
  PgCatalog,
  readFooterStats,
  type ScannedFile,
  scannedParquetBytes,
  type TableBinding,
  type TablePolicies,
  tableAccessFor,
} from "@inlet/lake-core";
import { QueryHistoryStore } from "../src/services/query-history";
import { percentile } from "./percentile";

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

function stats(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

const ms = (n: number) => (Number.isNaN(n) ? "—" : n < 10 ? n.toFixed(2) : n.toFixed(1));
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { ms: performance.now() - t0, value };
}

const ORDER_SCHEMA = {
  type: "object",
  required: ["id", "amount", "created_at"],
  properties: {
    id: { type: "string" },
    customer: { type: "string" },
    amount: { type: "number" },
    qty: { type: "integer" },
    paid: { type: "boolean" },
    note: { type: "string" },
    created_at: { type: "string", format: "date-time" },
  },
};
const CUSTOMER_SCHEMA = {
  type: "object",
  required: ["id", "created_at"],
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    country: { type: "string" },
    created_at: { type: "string", format: "date-time" },
  },
};

/** The SELECT writing rows [from, to) of a table of the given kind, all on `day`. */
function rowsSql(kind: "orders" | "customers", from: number, to: number, day: string): string {
  const meta = `'e-' || range AS _event_id, TIMESTAMPTZ '${day} 00:00:00+00' + INTERVAL (range % 86400) SECOND AS _event_time,
    now() AS _ingested_at, 'bench' AS _batch_id, DATE '${day}' AS dt`;
  if (kind === "customers") {
    return `SELECT 'c' || range AS id, 'Customer ' || range AS name, ['NL', 'DE', 'FR', 'US'][range % 4 + 1] AS country,
      TIMESTAMPTZ '${day} 08:00:00+00' AS created_at, ${meta} FROM range(${from}, ${to})`;
  }
  return `SELECT 'o' || range AS id, 'c' || (hash(range) % 10000) AS customer, (hash(range * 7) % 100000) / 100.0 AS amount,
    1 + hash(range * 3) % 9 AS qty, hash(range * 5) % 2 = 0 AS paid, 'note ' || md5(range::VARCHAR)[:12] AS note,
    TIMESTAMPTZ '${day} 00:00:00+00' + INTERVAL (range % 86400) SECOND AS created_at, ${meta} FROM range(${from}, ${to})`;
}

export async function runQueriesBench(argv: string[]): Promise<void> {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      rows: { type: "string", default: "1000000" },
      days: { type: "string", default: "30" },
      "files-per-day": { type: "string", default: "10" },
      rounds: { type: "string", default: "20" },
      "keep-dir": { type: "boolean", default: false },
    },
  });
  const rows = Number(args.rows);
  const days = Number(args.days);
  const filesPerDay = Number(args["files-per-day"]);
  const rounds = Number(args.rounds);
  const dir = await mkdtemp(join(tmpdir(), "inlet-bench-queries-"));
  const lakeDir = join(dir, "lake");
  const t = await createTestDatabase();
  const catalog = new PgCatalog(t.db);
  const store = new LocalFsObjectStore(lakeDir, { fsync: false });
  const duck = await (await DuckDBInstance.create(":memory:")).connect();
  await duck.run("SET TimeZone = 'UTC'");
  // DuckDB alone reading the files the way a person would write it by hand: partition values taken
  // from the dt=… folders in the paths (DuckDB's default), so a date range skips whole files unopened.
  // Inlet's views cannot do that (the S3 store's local copies have no partition folders; the files
  // hold dt): shown beside the baseline, which reads with the views' own options.
  const duckHive = await (await DuckDBInstance.create(":memory:")).connect();
  await duckHive.run("SET TimeZone = 'UTC'");
  const engine = createDuckDbEngine({ store });
  // The same engine without DuckDB's own file lockdown under the two checks (INLET_QUERY_FILE_LOCKDOWN=off).
  const unlockedEngine = createDuckDbEngine({ store, fileLockdown: false });
  // The same engine with restricted queries' plans checked alongside the run (INLET_QUERY_PLAN_CHECK).
  const alongsideEngine = createDuckDbEngine({ store, planCheck: "alongside" });
  const history = new QueryHistoryStore(t.db);
  const lake = new LakeReader({ catalog, engine, history, budgets: history });
  const unlockedLake = new LakeReader({ catalog, engine: unlockedEngine, history, budgets: history });
  const dayList = Array.from({ length: days }, (_, i) =>
    new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
  );

  try {
    /** Writes a table's files with DuckDB and commits them, one snapshot per day, with footer statistics. */
    async function makeTable(
      kind: "orders" | "customers",
      schema: unknown,
      total: number,
      perDay: number,
      onDays: string[],
    ): Promise<{ name: string; files: string[] }> {
      const slug = `bench_${kind}`;
      const source = await t.db.prisma.source.create({
        data: { slug, name: slug, kind: "http", idField: "id", timeField: "created_at" },
      });
      const record = await catalog.getSource(source.id);
      if (!record) throw new Error("source not readable");
      const columns: ColumnSpec[] = curatedColumns(schema);
      const table = await catalog.ensureCuratedTable(record, () => columns);
      const perFile = Math.ceil(total / (onDays.length * perDay));
      const files: string[] = [];
      let from = 0;
      for (const day of onDays) {
        const added: NewDataFile[] = [];
        for (let f = 0; f < perDay && from < total; f += 1) {
          const to = Math.min(total, from + perFile);
          const key = `curated/${slug}/dt=${day}/bench-${f}.parquet`;
          const path = join(lakeDir, key);
          await mkdir(dirname(path), { recursive: true });
          await duck.run(
            `COPY (${rowsSql(kind, from, to, day)}) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`,
          );
          const [columnStats] = await readFooterStats(duck, [path]);
          added.push({
            path: key,
            partition: `dt=${day}`,
            rowCount: to - from,
            bytes: (await stat(path)).size,
            minEventTime: new Date(`${day}T00:00:00Z`),
            maxEventTime: new Date(`${day}T23:59:59Z`),
            columnStats,
          });
          files.push(path);
          from = to;
        }
        await catalog.transaction((tx) =>
          tx.commitAppend({ tableId: table.id, files: added, batchIds: [], counts: new Map() }),
        );
      }
      return { name: table.name, files };
    }

    log(`writing ${rows.toLocaleString()} rows over ${days} days, ${filesPerDay} files a day, in ${dir}`);
    const orders = await makeTable("orders", ORDER_SCHEMA, rows, filesPerDay, dayList);
    const customers = await makeTable("customers", CUSTOMER_SCHEMA, 10_000, 1, dayList.slice(0, 1));
    const user = await t.db.prisma.user.create({ data: { email: "bench@inlet.local", name: "Bench" } });
    const reader = { userId: user.id, roles: ["admin"] };
    const list = (files: string[]) => files.map((f) => `'${f}'`).join(", ");
    for (const [conn, hive] of [
      [duck, "false"],
      [duckHive, "true"],
    ] as const) {
      await conn.run("CREATE SCHEMA curated");
      for (const table of [orders, customers]) {
        await conn.run(
          `CREATE VIEW ${table.name} AS SELECT * FROM read_parquet([${list(table.files)}], hive_partitioning = ${hive}, union_by_name = true)`,
        );
      }
      await conn.run("SET parquet_metadata_cache = true");
    }

    const mid = dayList[Math.floor(days / 2)]!;
    const next = dayList[Math.floor(days / 2) + 6] ?? dayList[days - 1]!;
    const queries: { name: string; sql: string; tables: string[] }[] = [
      { name: "count(*)", sql: `SELECT count(*) FROM ${orders.name}`, tables: [orders.name] },
      {
        name: "date range, all columns",
        sql: `SELECT * FROM ${orders.name} WHERE dt BETWEEN '${mid}' AND '${next}'`,
        tables: [orders.name],
      },
      { name: "2 columns", sql: `SELECT id, amount FROM ${orders.name}`, tables: [orders.name] },
      {
        name: "GROUP BY day",
        sql: `SELECT dt, count(*) AS n, sum(amount) AS total FROM ${orders.name} GROUP BY dt ORDER BY dt`,
        tables: [orders.name],
      },
      {
        name: "join, one week",
        sql: `SELECT c.country, sum(o.amount) AS total FROM ${orders.name} o JOIN ${customers.name} c ON o.customer = c.id
              WHERE o.dt >= '${mid}' AND o.dt < '${next}' GROUP BY c.country`,
        tables: [orders.name, customers.name],
      },
    ];

    const maxRows = 1000;
    const samples = queries.map(() => ({
      direct: [] as number[],
      directBeside: [] as number[],
      engine: [] as number[],
      estimate: [] as number[],
      bytes: [] as number[],
      path: [] as number[],
      directHive: [] as number[],
      directBeforeUnlocked: [] as number[],
      pathUnlocked: [] as number[],
      lakeEstimate: [] as number[],
      restricted: [] as number[],
      openNew: [] as number[],
      restrictedNew: [] as number[],
      alongsideNew: [] as number[],
    }));
    // The same queries under an analyst's policy on the orders table: a masked and a denied column
    // and a row filter, so every query runs against the secure relation and passes the plan check.
    const ordersView = await catalog.tableSnapshot(orders.name);
    const policies: TablePolicies = {
      tableId: ordersView!.tableId,
      table: orders.name,
      denyUnruledColumns: false,
      columnRules: [
        { role: "analyst", column: "note", rule: { action: "mask", mask: { style: "last", keep: 2 } } },
        { role: "analyst", column: "paid", rule: { action: "deny" } },
      ],
      columnTags: [],
      tagRules: [],
      defaultDenyTags: [],
      rowFilters: [{ role: "analyst", predicate: "amount >= 0" }],
    };
    const access = tableAccessFor(
      policies,
      ["analyst"],
      ordersView!.columns.map((c) => c.name),
    );
    // The files as the engine sees them (local path → rows and statistics), to time its bytes measurement.
    const scannedFiles = new Map<string, ScannedFile>();
    for (const table of [orders, customers]) {
      for (const f of (await catalog.tableSnapshot(table.name))?.files ?? []) {
        scannedFiles.set(join(lakeDir, f.path), f);
      }
    }
    const resolve: number[] = [];
    const measured: number[] = queries.map(() => 0);
    const estimated: number[] = queries.map(() => 0);
    log(`${rounds} interleaved rounds of ${queries.length} queries`);
    for (let round = 0; round < rounds + 1; round += 1) {
      for (const [i, q] of queries.entries()) {
        const direct = await timed(async () =>
          (await duck.runAndReadAll(`SELECT * FROM (${q.sql}) LIMIT ${maxRows + 1}`)).getRowObjectsJson(),
        );
        const bound = await timed(async () => {
          const views = await Promise.all(q.tables.map((name) => catalog.tableSnapshot(name)));
          return views.map((v): TableBinding => {
            if (!v) throw new Error("table vanished");
            return bindingOf(v);
          });
        });
        const run = await timed(() => engine.query({ sql: q.sql, tables: bound.value, maxRows }));
        const restrictedTables = bound.value.map((b) => (b.name === orders.name ? { ...b, access } : b));
        const restricted = await timed(() => engine.query({ sql: q.sql, tables: restrictedTables, maxRows }));
        // The same statement as never seen before (a comment makes its text new): nothing remembered
        // on the kept instance, so its plan is checked and its bytes planned again.
        const fresh = `${q.sql}\n-- round ${round}`;
        const openNew = await timed(() => engine.query({ sql: fresh, tables: bound.value, maxRows }));
        const restrictedNew = await timed(() =>
          engine.query({ sql: fresh, tables: restrictedTables, maxRows }),
        );
        const alongsideNew = await timed(() =>
          alongsideEngine.query({ sql: fresh, tables: restrictedTables, maxRows }),
        );
        const estimate = await timed(() => estimateQuery({ catalog }, q.sql));
        const bytes = await timed(() => scannedParquetBytes(duck, q.sql, scannedFiles));
        // DuckDB alone again right before the query path, so the two are measured under the same load.
        const directBeside = await timed(async () =>
          (await duck.runAndReadAll(`SELECT * FROM (${q.sql}) LIMIT ${maxRows + 1}`)).getRowObjectsJson(),
        );
        const path = await timed(() => lake.runQuery(reader, { sql: q.sql, path: "sql", maxRows }));
        const directBeforeUnlocked = await timed(async () =>
          (await duck.runAndReadAll(`SELECT * FROM (${q.sql}) LIMIT ${maxRows + 1}`)).getRowObjectsJson(),
        );
        const pathUnlocked = await timed(() =>
          unlockedLake.runQuery(reader, { sql: q.sql, path: "sql", maxRows }),
        );
        const directHive = await timed(async () =>
          (await duckHive.runAndReadAll(`SELECT * FROM (${q.sql}) LIMIT ${maxRows + 1}`)).getRowObjectsJson(),
        );
        const lakeEstimate = await timed(() => lake.estimate(reader, { sql: q.sql }));
        // The first round warms caches (and the estimator's planner tables): not counted.
        if (round === 0) continue;
        samples[i]!.direct.push(direct.ms);
        samples[i]!.directBeside.push(directBeside.ms);
        samples[i]!.engine.push(run.ms);
        samples[i]!.restricted.push(restricted.ms);
        samples[i]!.openNew.push(openNew.ms);
        samples[i]!.restrictedNew.push(restrictedNew.ms);
        samples[i]!.alongsideNew.push(alongsideNew.ms);
        samples[i]!.estimate.push(estimate.ms);
        samples[i]!.bytes.push(bytes.ms);
        samples[i]!.path.push(path.ms);
        samples[i]!.directBeforeUnlocked.push(directBeforeUnlocked.ms);
        samples[i]!.pathUnlocked.push(pathUnlocked.ms);
        samples[i]!.directHive.push(directHive.ms);
        samples[i]!.lakeEstimate.push(lakeEstimate.ms);
        resolve.push(bound.ms);
        measured[i] = run.value.bytesScanned;
        estimated[i] = estimate.value.bytes;
      }
    }

    // As one types: every prefix of every query, most of them not yet valid SQL.
    const typing: number[] = [];
    for (const q of queries) {
      for (let end = 8; end <= q.sql.length; end += 3) {
        const r = await timed(() =>
          estimateQuery({ catalog }, q.sql.slice(0, end)).catch((err) => {
            if (!isInletError(err) || err.code !== "BAD_REQUEST") throw err;
          }),
        );
        typing.push(r.ms);
      }
    }

    const fileBytes = (await Promise.all(orders.files.map((f) => stat(f)))).reduce((n, s) => n + s.size, 0);
    const out: string[] = [];
    out.push("");
    out.push(
      `queries: ${orders.name} ${rows.toLocaleString()} rows, ${orders.files.length} files, ${mb(fileBytes)}; ${customers.name} 10,000 rows; ${rounds} rounds`,
    );
    const pad = (text: string, n: number) => text.padStart(n);
    const diffs = (a: number[], b: number[]) => a.map((x, k) => x - (b[k] ?? Number.NaN));
    out.push(
      "running (ms): DuckDB alone; the engine; what the engine adds; of which measuring bytes scanned;",
    );
    out.push(
      "  the whole query path (LakeReader.runQuery); what it adds to the engine (resolve, guard, estimate, budgets, history)",
    );
    out.push(
      `${"query".padEnd(25)} | ${pad("DuckDB p50", 10)} | ${pad("engine p50 (p95)", 18)} | ${pad("engine − DuckDB", 15)} | ${pad("bytes scanned", 13)} | ${pad("query path p50 (p95)", 20)} | ${pad("path − engine p50 (p95)", 23)}`,
    );
    for (const [i, q] of queries.entries()) {
      const x = samples[i]!;
      const d = stats(x.direct);
      const e = stats(x.engine);
      const overhead = stats(diffs(x.engine, x.direct));
      const b = stats(x.bytes);
      const path = stats(x.path);
      const added = stats(diffs(x.path, x.engine));
      out.push(
        `${q.name.padEnd(25)} | ${pad(ms(d.p50), 10)} | ${pad(`${ms(e.p50)} (${ms(e.p95)})`, 18)} | ${pad(ms(overhead.p50), 15)} | ${pad(ms(b.p50), 13)} | ${pad(`${ms(path.p50)} (${ms(path.p95)})`, 20)} | ${pad(`${ms(added.p50)} (${ms(added.p95)})`, 23)}`,
      );
    }
    // The target: what the whole query path adds to DuckDB alone running the same SQL on the same
    // files, paired round by round (DuckDB alone runs right before the query path in each round).
    out.push("");
    out.push(
      "overhead of the query path over DuckDB alone (ms; each round: the query path − DuckDB alone run just before it; target p50 ≤ 20 ms)",
    );
    out.push(
      "  with DuckDB's file lockdown (the default) and without it (INLET_QUERY_FILE_LOCKDOWN=off); DuckDB alone reads the files",
    );
    out.push(
      "  with the views' options; last, DuckDB alone taking partitions from the paths' dt=… folders (which Inlet's views cannot)",
    );
    out.push(
      `${"query".padEnd(25)} | ${pad("path − DuckDB p50", 17)} | ${pad("p95", 7)} | ${pad("path ÷ DuckDB p50", 17)} | ${pad("lockdown off: p50", 17)} | ${pad("p95", 7)} | ${pad("DuckDB p50, dt from paths", 25)}`,
    );
    const allOver: number[] = [];
    const allOverUnlocked: number[] = [];
    for (const [i, q] of queries.entries()) {
      const x = samples[i]!;
      const over = diffs(x.path, x.directBeside);
      const overUnlocked = diffs(x.pathUnlocked, x.directBeforeUnlocked);
      allOver.push(...over);
      allOverUnlocked.push(...overUnlocked);
      const o = stats(over);
      const u = stats(overUnlocked);
      const ratio = stats(x.path.map((p, k) => p / (x.directBeside[k] ?? Number.NaN)));
      out.push(
        `${q.name.padEnd(25)} | ${pad(ms(o.p50), 17)} | ${pad(ms(o.p95), 7)} | ${pad(ratio.p50.toFixed(2), 17)} | ${pad(ms(u.p50), 17)} | ${pad(ms(u.p95), 7)} | ${pad(ms(stats(x.directHive).p50), 25)}`,
      );
    }
    const overall = stats(allOver);
    const overallUnlocked = stats(allOverUnlocked);
    out.push(
      `all queries: query path − DuckDB alone p50 ${ms(overall.p50)} ms, p95 ${ms(overall.p95)} ms; file lockdown off: p50 ${ms(overallUnlocked.p50)} ms, p95 ${ms(overallUnlocked.p95)} ms (target p50 ≤ 20 ms)`,
    );
    out.push("");
    out.push(
      "under access policies (ms): the engine unrestricted and with the orders table's secure relation (a masked and a denied column, a row filter) and its plan check; target ratio ≤ 1.2",
    );
    out.push(
      "  the statement run again (its checks and bytes remembered by the kept instance), and as a statement never seen before",
    );
    out.push(
      `${"query".padEnd(25)} | ${pad("again: open p50", 15)} | ${pad("policy p50 (p95)", 18)} | ratio | ${pad("new: open p50", 13)} | ${pad("policy p50 (p95)", 18)} | ratio | ${pad("plan alongside p50", 18)} | ratio`,
    );
    for (const [i, q] of queries.entries()) {
      const x = samples[i]!;
      const open = stats(x.engine);
      const ruled = stats(x.restricted);
      const openNew = stats(x.openNew);
      const ruledNew = stats(x.restrictedNew);
      const alongside = stats(x.alongsideNew);
      out.push(
        `${q.name.padEnd(25)} | ${pad(ms(open.p50), 15)} | ${pad(`${ms(ruled.p50)} (${ms(ruled.p95)})`, 18)} | ${(ruled.p50 / open.p50).toFixed(2).padStart(5)} | ${pad(ms(openNew.p50), 13)} | ${pad(`${ms(ruledNew.p50)} (${ms(ruledNew.p95)})`, 18)} | ${(ruledNew.p50 / openNew.p50).toFixed(2)} | ${pad(ms(alongside.p50), 18)} | ${(alongside.p50 / openNew.p50).toFixed(2)}`,
      );
    }
    out.push("");
    out.push(
      "estimating (ms): estimateQuery alone; LakeReader.estimate (what the console asks as one types, with budgets)",
    );
    out.push(
      `${"query".padEnd(25)} | ${pad("estimateQuery p50 (p95)", 23)} | ${pad("LakeReader.estimate p50 (p95)", 29)} | estimated / measured bytes`,
    );
    for (const [i, q] of queries.entries()) {
      const x = samples[i]!;
      const est = stats(x.estimate);
      const viaLake = stats(x.lakeEstimate);
      const error =
        measured[i] === 0
          ? estimated[i] === 0
            ? "0 %"
            : "—"
          : `${(((estimated[i]! - measured[i]!) / measured[i]!) * 100).toFixed(1)} %`;
      out.push(
        `${q.name.padEnd(25)} | ${pad(`${ms(est.p50)} (${ms(est.p95)})`, 23)} | ${pad(`${ms(viaLake.p50)} (${ms(viaLake.p95)})`, 29)} | ${mb(estimated[i]!)} / ${mb(measured[i]!)} (${error})`,
      );
    }
    const r = stats(resolve);
    out.push(
      `resolve tables at their snapshot (catalog read, with column statistics): p50 ${ms(r.p50)} ms, p95 ${ms(r.p95)} ms`,
    );
    const all = stats(samples.flatMap((s) => s.estimate));
    const ty = stats(typing);
    out.push(
      `estimate, complete queries: p50 ${ms(all.p50)} ms, p95 ${ms(all.p95)} ms (target p95 ≤ 100 ms)`,
    );
    out.push(
      `estimate as one types (${typing.length} prefixes, most not yet valid SQL): p50 ${ms(ty.p50)} ms, p95 ${ms(ty.p95)} ms`,
    );
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    await engine.close();
    await alongsideEngine.close();
    await unlockedEngine.close();
    duckHive.closeSync();
    duck.closeSync();
    await t.drop();
    if (!args["keep-dir"]) await rm(dir, { recursive: true, force: true });
  }
}
