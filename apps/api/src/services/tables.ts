// Lake tables as people browse them: every table by zone with its totals at the current snapshot, a
// table's columns, partitions and snapshots (from the Catalog port), each source's raw zone (counted
// from its batch records: raw objects are not a table), and a table's newest rows at its current
// snapshot, read through the LakeReader with the person reading.
import {
  type Catalog,
  columnRuleFor,
  InletError,
  type LakeReader,
  type RawZoneSource,
  readablePartition,
  rowsFiltered,
  type TableSummary,
} from "@inlet/lake-core";
import type { Actor } from "../auth/session";
import { analyticsDetails } from "./analytics-tables";
import { snapshotView } from "./snapshot-view";
import { readerOf } from "./source-activity";

export const ZONES = ["raw", "curated", "analytics"] as const;
export type Zone = (typeof ZONES)[number];

const RAW_PREFIX = "raw.";

interface Page {
  cursor?: string | undefined;
  limit: number;
}

function notFound(name: string): InletError {
  return new InletError("NOT_FOUND", `No table named '${name}'`);
}

function tableItem(t: TableSummary) {
  return {
    kind: "table" as const,
    name: t.name,
    zone: t.zone,
    source: t.sourceId && t.sourceSlug ? { id: t.sourceId, slug: t.sourceSlug } : null,
    columns: t.columns,
    partitionBy: t.partitionBy,
    currentSeq: t.currentSeq,
    rows: t.rows,
    bytes: t.bytes,
    files: t.files,
    lastCommitAt: t.lastCommitAt ?? null,
  };
}

function rawItem(r: RawZoneSource) {
  return {
    kind: "raw" as const,
    name: `${RAW_PREFIX}${r.sourceSlug}`,
    zone: "raw" as const,
    source: { id: r.sourceId, slug: r.sourceSlug, name: r.sourceName },
    /** Where the source's raw objects are: one per accepted request or dropped file, by receive date. */
    prefix: `raw/${r.sourceSlug}/`,
    partitionBy: ["dt"],
    objects: r.objects,
    bytes: r.bytes,
    events: r.events,
    failedObjects: r.failedObjects,
    oldestReceivedAt: r.oldestReceivedAt ?? null,
    newestReceivedAt: r.newestReceivedAt ?? null,
  };
}

export class TablesService {
  constructor(
    private readonly lake: LakeReader,
    private readonly catalog: Catalog,
  ) {}

  /** Every table, or a zone's; the raw zone is one entry per source. */
  async list(actor: Actor, zone?: Zone) {
    const wantsRaw = zone === undefined || zone === "raw";
    const [tables, raw] = await Promise.all([
      this.catalog.listTables(),
      wantsRaw ? this.catalog.rawZoneSources() : Promise.resolve([]),
    ]);
    const counts = { raw: raw.length, curated: 0, analytics: 0 };
    for (const t of tables) if (t.zone === "curated" || t.zone === "analytics") counts[t.zone] += 1;
    if (!wantsRaw) counts.raw = 0;
    const shown = tables.filter((t) => zone === undefined || t.zone === zone);
    // A table's row count is left out for a reader a row filter holds on it: it counts rows they cannot see.
    const access = await this.lake.accessToTables(
      readerOf(actor),
      shown.map((t) => t.name),
    );
    return {
      tables: shown.map((t) => ({ ...tableItem(t), rows: rowsFiltered(access.get(t.name)) ? null : t.rows })),
      rawSources: raw.map(rawItem),
      counts,
    };
  }

  /**
   * One table (or a source's raw zone, `raw.{slug}`) with its columns, partitioning and totals; an
   * analytics table with its definition, inputs, refresh mode and last refresh too.
   */
  async get(actor: Actor, name: string) {
    const table = await this.catalog.getTableSummary(name);
    if (table) {
      const [analytics, access] = await Promise.all([
        table.zone === "analytics" ? this.catalog.getAnalyticsTable(name) : undefined,
        this.lake.accessToTable(readerOf(actor), name),
      ]);
      const item = tableItem(table);
      return {
        ...item,
        // Under a row filter the table's count is not the reader's: left out.
        rows: rowsFiltered(access) ? null : item.rows,
        // What the reader's rules make of each column (allow, mask, hash or deny), as their queries see it.
        columns: item.columns.map((c) => ({
          ...c,
          forYou: access ? columnRuleFor(access, c.name).action : ("allow" as const),
        })),
        analytics: analytics ? await analyticsDetails(this.catalog, analytics) : null,
      };
    }
    const source = await this.rawSource(name);
    const raw = (await this.catalog.rawZoneSources()).find((r) => r.sourceId === source.id);
    if (!raw) throw notFound(name);
    return rawItem(raw);
  }

  /**
   * A table's partitions at its current snapshot, or a raw zone's objects per receive day. A partition's
   * name holds its rows' value of the partition column, shown as the reader's column rules show that
   * column; its row count is left out (null) when a row filter hides some rows from the reader.
   */
  async partitions(actor: Actor, name: string, page: Page) {
    const table = await this.catalog.describeTable(name);
    if (table) {
      const [res, access] = await Promise.all([
        this.catalog.listPartitions(table.id, page),
        this.lake.accessToTable(readerOf(actor), name),
      ]);
      const filtered = rowsFiltered(access);
      return {
        kind: "table" as const,
        snapshot: res.seq,
        total: res.total,
        nextCursor: res.nextCursor ?? null,
        items: res.items.map((p) => ({
          partition: readablePartition(p.partition, access),
          rows: filtered ? null : p.rows,
          bytes: p.bytes,
          files: p.files,
          minEventTime: p.minEventTime ?? null,
          maxEventTime: p.maxEventTime ?? null,
        })),
      };
    }
    const source = await this.rawSource(name);
    const res = await this.catalog.rawZoneDays(source.id, page);
    return {
      kind: "raw" as const,
      total: res.total,
      nextCursor: res.nextCursor ?? null,
      items: res.items,
    };
  }

  /** A table's snapshots, newest first, each with what committed it. */
  async snapshots(name: string, page: Page) {
    const table = await this.catalog.describeTable(name);
    if (!table) {
      await this.rawSource(name);
      throw new InletError(
        "BAD_REQUEST",
        `'${name}' is a source's raw zone: raw objects are stored as they arrive, not committed in snapshots`,
        { field: "name" },
      );
    }
    const res = await this.catalog.listSnapshots(table.id, page);
    return {
      total: res.total,
      nextCursor: res.nextCursor ?? null,
      items: res.items.map((s) => ({ ...snapshotView(s), batchIds: s.batchIds, batchCount: s.batchCount })),
    };
  }

  /** The newest rows of a table's current snapshot, and how many rows that snapshot holds. */
  async preview(actor: Actor, table: string) {
    const reader = readerOf(actor);
    const result = await this.lake.previewTable(reader, table);
    const [summary, access] = await Promise.all([
      this.catalog.getTableSummary(table),
      this.lake.accessToTable(reader, table),
    ]);
    // Under a row filter the snapshot's count is not the reader's: left out.
    const filtered = rowsFiltered(access);
    return {
      table,
      snapshot: result.snapshotSeq,
      columns: result.columns,
      rows: result.rows,
      truncated: result.truncated,
      /** The snapshot's row count; null when a commit since the preview moved the table on, or a row filter holds the reader. */
      totalRows: !filtered && summary?.currentSeq === result.snapshotSeq ? summary.rows : null,
      /** A row filter chooses the rows the reader sees. */
      rowFiltered: filtered,
      bytesScanned: result.bytesScanned,
    };
  }

  /** The source whose raw zone `raw.{slug}` names, or NOT_FOUND. */
  private async rawSource(name: string) {
    const source = name.startsWith(RAW_PREFIX)
      ? await this.catalog.findSourceBySlug(name.slice(RAW_PREFIX.length))
      : undefined;
    if (!source) throw notFound(name);
    return source;
  }
}
