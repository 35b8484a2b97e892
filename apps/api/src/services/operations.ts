// The Operations dashboard's figures: time series of the sampled figures for 1 h / 24 h / 7 d from the
// right resolution, the latest sampled values, and cost per source, zone and day from the admin's
// price sheet, each cost saying how it is computed.
import type { Db } from "@inlet/db";
import { ATHENA_PRICE_SHEET, MB_BYTES, type OperationsCatalog, PgCatalog, TB_BYTES } from "@inlet/lake-core";
import type { AuditActor, AuditService } from "./audit";
import { DEFAULT_OPS_PRICE_SHEET, type OpsPriceSheet, priceSheetOf } from "./ops-price-sheet";
import { OPS_FIGURES, type OpsFigure } from "./ops-sampler";

export const OPS_RANGES = ["1h", "24h", "7d"] as const;
export type OpsRange = (typeof OPS_RANGES)[number];

/** Per range: its length, the resolution read, the finer one read for the tail not rolled up yet, the bucket. */
const RANGE_PLAN: Record<OpsRange, { ms: number; step: number; tailStep: number | null; bucket: number }> = {
  "1h": { ms: 3_600_000, step: 60, tailStep: 0, bucket: 60 },
  "24h": { ms: 86_400_000, step: 600, tailStep: 60, bucket: 600 },
  "7d": { ms: 7 * 86_400_000, step: 3600, tailStep: 60, bucket: 3600 },
};

export interface OpsSeries {
  name: OpsFigure;
  labels: Record<string, string>;
  /** [epoch ms, value] per bucket, oldest first. */
  points: [number, number][];
}

export interface OpsCostRow {
  day: string;
  source: string;
  zone: string;
  item: "storage" | "put" | "get" | "query" | "compute";
  quantity: number;
  usd: number;
  formula: string;
}

const GB = 2 ** 30;
const DAY_MS = 86_400_000;

function usd(n: number): string {
  return `$${n}`;
}

/** How each cost item is computed, with the sheet's prices in it. */
export function costFormulas(p: OpsPriceSheet): Record<OpsCostRow["item"], string> {
  return {
    storage: `average GB stored that day × ${usd(p.storageUsdPerGbMonth)}/GB-month × hours of the day covered ÷ 730`,
    put: `PUT requests (raw: one per batch received; curated: one per data file written) ÷ 1,000 × ${usd(p.putUsdPer1000)}`,
    get: `GET requests (raw: one per batch a worker read to commit) ÷ 1,000 × ${usd(p.getUsdPer1000)}`,
    query: `TB scanned by queries that day (each rounded up to 1 MB, at least 10 MB) × ${usd(p.queryUsdPerTb)}/TB`,
    compute: `worker busy seconds × ${p.workerMemoryGb} GB × ${usd(p.computeUsdPerGbSecond)}/GB-second`,
  };
}

export class OperationsService {
  private readonly catalog: OperationsCatalog;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    catalog?: OperationsCatalog,
  ) {
    this.catalog = catalog ?? new PgCatalog(db);
  }

  /** Every sampled series of the range, bucketed (1 h: minutes; 24 h: 10 minutes; 7 d: hours), each from its rows and the finer tail not rolled up yet. */
  async series(
    range: OpsRange,
    now = new Date(),
  ): Promise<{ range: OpsRange; bucketSeconds: number; series: OpsSeries[] }> {
    const plan = RANGE_PLAN[range];
    const from = new Date(now.getTime() - plan.ms);
    // One statement, one row per series. The range's own rows are already one per bucket (the
    // rollup writes them so): they are read in (step, name, labels, at) index order and aggregated
    // without a sort or a regrouping; only the finer tail after the last of them is averaged into
    // buckets. Grouping every row by bucket and sorting by the labels' JSON was most of the time.
    const rows = await this.db.prisma.$queryRaw<
      { name: string; labels: Record<string, string>; ts: number[]; vs: number[] }[]
    >`
      WITH own AS (
        SELECT name, labels, array_agg(floor(date_part('epoch', at) / ${plan.bucket}) * ${plan.bucket} ORDER BY at) AS ts,
          array_agg(value ORDER BY at) AS vs
        FROM metric_samples
        WHERE step = ${plan.step} AND at >= ${from} AND at <= ${now}
        GROUP BY name, labels
      ), tail AS (
        SELECT name, labels, array_agg(t ORDER BY t) AS ts, array_agg(v ORDER BY t) AS vs
        FROM (
          SELECT name, labels, floor(date_part('epoch', at) / ${plan.bucket}) * ${plan.bucket} AS t, AVG(value) AS v
          FROM metric_samples
          WHERE step = ${plan.tailStep ?? -1} AND at <= ${now} AND at >= COALESCE(
            (SELECT MAX(at) FROM metric_samples WHERE step = ${plan.step} AND at >= ${from})
              + make_interval(secs => ${plan.step}),
            ${from})
          GROUP BY 1, 2, 3
        ) b
        GROUP BY name, labels
      )
      SELECT COALESCE(o.name, t.name) AS name, COALESCE(o.labels, t.labels) AS labels,
        COALESCE(o.ts, '{}') || COALESCE(t.ts, '{}') AS ts, COALESCE(o.vs, '{}') || COALESCE(t.vs, '{}') AS vs
      FROM own o FULL JOIN tail t ON t.name = o.name AND t.labels = o.labels
      ORDER BY 1`;
    const series: OpsSeries[] = [];
    for (const r of rows) {
      if (!(r.name in OPS_FIGURES)) continue;
      series.push({
        name: r.name as OpsFigure,
        labels: r.labels,
        points: r.ts.map((t, i): [number, number] => [t * 1000, r.vs[i] ?? 0]),
      });
    }
    return { range, bucketSeconds: plan.bucket, series };
  }

  /** The latest round of raw samples (within the last 5 minutes), and when it was taken. */
  async current(now = new Date()) {
    const rows = await this.db.prisma.$queryRaw<
      { name: string; labels: Record<string, string>; value: number; at: Date }[]
    >`
      SELECT name, labels, value, at FROM metric_samples
      WHERE step = 0 AND at = (
        SELECT MAX(at) FROM metric_samples WHERE step = 0 AND at > ${new Date(now.getTime() - 5 * 60_000)}
      )`;
    return {
      at: rows[0]?.at ?? null,
      values: rows
        .filter((r) => r.name in OPS_FIGURES)
        .map((r) => ({ name: r.name as OpsFigure, labels: r.labels, value: r.value })),
    };
  }

  /** How each figure is computed (the sampler's help text), for the cards. */
  figures(): Record<OpsFigure, string> {
    return Object.fromEntries(Object.entries(OPS_FIGURES).map(([k, f]) => [k, f.help])) as Record<
      OpsFigure,
      string
    >;
  }

  async priceSheet(): Promise<{
    sheet: OpsPriceSheet;
    defaults: OpsPriceSheet;
    updatedByEmail: string | null;
    updatedAt: Date | null;
  }> {
    const row = await this.db.prisma.opsPriceSheet.findUnique({ where: { id: "default" } });
    return {
      sheet: priceSheetOf(row?.sheet),
      defaults: DEFAULT_OPS_PRICE_SHEET,
      updatedByEmail: row?.updatedByEmail ?? null,
      updatedAt: row?.updatedAt ?? null,
    };
  }

  /** Replaces the price sheet; audited with the sheet before and after. */
  async setPriceSheet(actor: AuditActor, sheet: OpsPriceSheet, requestId?: string): Promise<OpsPriceSheet> {
    return this.db.prisma.$transaction(async (tx) => {
      const before = await tx.opsPriceSheet.findUnique({ where: { id: "default" } });
      await tx.opsPriceSheet.upsert({
        where: { id: "default" },
        create: { id: "default", sheet, updatedByEmail: actor.email },
        update: { sheet, updatedByEmail: actor.email },
      });
      await this.audit.record(
        actor,
        {
          action: "ops_price_sheet.set",
          targetType: "ops_price_sheet",
          targetId: "default",
          details: { before: priceSheetOf(before?.sheet), after: sheet },
        },
        requestId,
        tx,
      );
      return sheet;
    });
  }

  /** Cost per day, source, zone and item over the last `days` UTC days (today included). */
  async cost(
    days: number,
    now = new Date(),
  ): Promise<{ sheet: OpsPriceSheet; formulas: Record<OpsCostRow["item"], string>; rows: OpsCostRow[] }> {
    const { sheet } = await this.priceSheet();
    const formulas = costFormulas(sheet);
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const from = new Date(today - (days - 1) * DAY_MS);
    const prisma = this.db.prisma;
    // Storage and busy time from the 1-hour rows, and the 1-minute rows after the last of them;
    // each row weighs the seconds it stands for.
    const lastHour = await prisma.$queryRaw<{ at: Date | null }[]>`
      SELECT MAX(at) AS at FROM metric_samples WHERE step = 3600 AND at >= ${from}`;
    const tailFrom = lastHour[0]?.at ? new Date(lastHour[0].at.getTime() + 3_600_000) : from;
    const [storage, { rawPuts, filePuts, rawGets }, queries, busy] = await Promise.all([
      prisma.$queryRaw<{ day: Date; labels: Record<string, string>; bytes: number; n: bigint }[]>`
        SELECT date_trunc('day', at) AS day, labels,
          (SUM(value * step) / SUM(step))::float8 AS bytes, SUM(step)::bigint AS n
        FROM (
          SELECT labels, at, value, step FROM metric_samples
          WHERE name = 'storage_bytes' AND step = 3600 AND at >= ${from}
          UNION ALL
          SELECT labels, at, value, step FROM metric_samples
          WHERE name = 'storage_bytes' AND step = 60 AND at >= ${tailFrom}
        ) s
        GROUP BY 1, 2`,
      // The requests the lake paid for, from the catalog (through its port: it alone reads its tables).
      this.catalog.opsCostCounts(from),
      prisma.$queryRaw<{ day: Date; bytes: number }[]>`
        SELECT date_trunc('day', started_at) AS day,
          SUM(GREATEST(CEIL(bytes_scanned / ${MB_BYTES}::float8) * ${MB_BYTES}, ${ATHENA_PRICE_SHEET.minBytesPerQuery}))::float8 AS bytes
        FROM query_runs WHERE started_at >= ${from} AND bytes_scanned IS NOT NULL GROUP BY 1`,
      prisma.$queryRaw<{ day: Date; seconds: number }[]>`
        SELECT date_trunc('day', at) AS day, SUM(value * step)::float8 AS seconds
        FROM (
          SELECT at, value, step FROM metric_samples
          WHERE name = 'worker_busy_seconds_per_second' AND step = 3600 AND at >= ${from}
          UNION ALL
          SELECT at, value, step FROM metric_samples
          WHERE name = 'worker_busy_seconds_per_second' AND step = 60 AND at >= ${tailFrom}
        ) s
        GROUP BY 1`,
    ]);
    const rows: OpsCostRow[] = [];
    const dayOf = (d: Date) => d.toISOString().slice(0, 10);
    const add = (
      day: Date,
      source: string | null,
      zone: string,
      item: OpsCostRow["item"],
      quantity: number,
      cost: number,
    ) => {
      if (quantity > 0)
        rows.push({
          day: dayOf(day),
          source: source ?? "(all)",
          zone,
          item,
          quantity,
          usd: cost,
          formula: formulas[item],
        });
    };
    for (const r of storage) {
      // Hours of the day the samples cover (n: the seconds they stand for).
      const hours = Math.min(Number(r.n) / 3600, 24);
      add(
        r.day,
        r.labels.source ?? null,
        r.labels.zone ?? "?",
        "storage",
        r.bytes / GB,
        (r.bytes / GB) * sheet.storageUsdPerGbMonth * (hours / 730),
      );
    }
    for (const r of rawPuts)
      add(r.day, r.source, "raw", "put", Number(r.n), (Number(r.n) / 1000) * sheet.putUsdPer1000);
    for (const r of filePuts)
      add(r.day, r.source, r.zone, "put", Number(r.n), (Number(r.n) / 1000) * sheet.putUsdPer1000);
    for (const r of rawGets)
      add(r.day, r.source, "raw", "get", Number(r.n), (Number(r.n) / 1000) * sheet.getUsdPer1000);
    for (const r of queries)
      add(r.day, null, "query", "query", r.bytes / TB_BYTES, (r.bytes / TB_BYTES) * sheet.queryUsdPerTb);
    for (const r of busy) {
      add(
        r.day,
        null,
        "workers",
        "compute",
        r.seconds,
        r.seconds * sheet.workerMemoryGb * sheet.computeUsdPerGbSecond,
      );
    }
    rows.sort(
      (a, b) =>
        a.day.localeCompare(b.day) || a.source.localeCompare(b.source) || a.zone.localeCompare(b.zone),
    );
    return { sheet, formulas, rows };
  }
}
