"use client";
// The Tables page: every table in the lake by zone — raw (each source's objects as received), curated
// and analytics — with what its current snapshot holds, filtered by name or source. `?table=` opens one
// table, as /tables/{name} does.
import { useQuery } from "@tanstack/react-query";
import { Archive, Database, Layers, type LucideIcon, Plus, Search } from "lucide-react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { type ReactNode, useId, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type ListQuery } from "@/components/ui/data-table";
import { Input, Label } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { formatBytes, formatCount, formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { NewAnalyticsTableForm } from "./new-analytics-table-form";
import { TableDetailView } from "./table-detail-view";
import { matchesFilter } from "./table-filter";

export function tableHref(name: string): string {
  return `/tables/${encodeURIComponent(name)}`;
}

const linkClasses =
  "rounded font-medium font-mono text-accent-700 text-sm hover:underline focus-visible:outline-2 focus-visible:outline-accent-500";

interface TableRow {
  name: string;
  zone: string;
  source: { id: string; slug: string } | null;
  currentSeq: number;
  /** Null when a row filter chooses the rows the reader sees. */
  rows: number | null;
  bytes: number;
  files: number;
  lastCommitAt: Date | null;
}

interface RawRow {
  name: string;
  source: { id: string; slug: string; name: string };
  objects: number;
  bytes: number;
  events: number;
  oldestReceivedAt: Date | null;
  newestReceivedAt: Date | null;
}

const numberColumn = { className: "text-right", cellClassName: "tabular-nums" };

const TABLE_COLUMNS: DataTableColumn<TableRow>[] = [
  {
    header: "Table",
    cell: (t) => (
      <>
        <Link href={tableHref(t.name)} className={linkClasses}>
          {t.name}
        </Link>
        {t.source ? <div className="text-gray-500 text-xs">Source {t.source.slug}</div> : null}
      </>
    ),
  },
  {
    header: "Rows",
    ...numberColumn,
    cell: (t) =>
      t.rows === null ? <span title="A row filter chooses the rows you see">—</span> : formatCount(t.rows),
  },
  {
    header: "Size",
    ...numberColumn,
    className: "hidden text-right sm:table-cell",
    cell: (t) => formatBytes(t.bytes),
  },
  {
    header: "Files",
    ...numberColumn,
    className: "hidden text-right sm:table-cell",
    cell: (t) => formatCount(t.files),
  },
  {
    header: "Last commit",
    cellClassName: "whitespace-nowrap text-gray-500 tabular-nums",
    cell: (t) =>
      t.lastCommitAt ? (
        <>
          {formatDateTime(t.lastCommitAt)}
          <div className="text-gray-400 text-xs">Snapshot {formatCount(t.currentSeq)}</div>
        </>
      ) : (
        <span className="text-gray-400">No data yet</span>
      ),
  },
];

const RAW_COLUMNS: DataTableColumn<RawRow>[] = [
  {
    header: "Source",
    cell: (r) => (
      <>
        <Link href={tableHref(r.name)} className={linkClasses}>
          {r.name}
        </Link>
        <div className="text-gray-500 text-xs">{r.source.name}</div>
      </>
    ),
  },
  { header: "Objects", ...numberColumn, cell: (r) => formatCount(r.objects) },
  {
    header: "Size",
    ...numberColumn,
    className: "hidden text-right sm:table-cell",
    cell: (r) => formatBytes(r.bytes),
  },
  {
    header: "Events",
    ...numberColumn,
    className: "hidden text-right sm:table-cell",
    cell: (r) => formatCount(r.events),
  },
  {
    header: "Received",
    cellClassName: "whitespace-nowrap text-gray-500 tabular-nums",
    cell: (r) =>
      r.newestReceivedAt && r.oldestReceivedAt ? (
        <>
          <div>Newest {formatDateTime(r.newestReceivedAt)}</div>
          <div className="text-gray-400 text-xs">Oldest {formatDateTime(r.oldestReceivedAt)}</div>
        </>
      ) : (
        <span className="text-gray-400">Nothing received yet</span>
      ),
  },
];

function ZoneCard<Row>({
  zone,
  title,
  description,
  icon,
  query,
  rows,
  total,
  filter,
  columns,
  rowKey,
  emptyTitle,
  emptyDescription,
  actions,
  children,
}: {
  zone: string;
  title: string;
  description: string;
  icon: LucideIcon;
  query: ListQuery;
  rows: Row[] | undefined;
  total: number | undefined;
  filter: string;
  columns: DataTableColumn<Row>[];
  rowKey: (row: Row) => string;
  emptyTitle: string;
  emptyDescription: string;
  actions?: ReactNode;
  /** Shown between the card's header and its list (a form that adds to it). */
  children?: ReactNode;
}) {
  const headingId = `zone-${zone}-title`;
  const filtered = filter.trim() !== "" && total !== undefined && total > 0 && rows !== undefined;
  return (
    <Card role="region" aria-labelledby={headingId}>
      <CardHeader
        title={
          <span id={headingId} className="inline-flex items-center gap-2">
            {title}
            {total !== undefined ? (
              <Badge>
                <span className="sr-only">(</span>
                {filtered ? `${formatCount(rows.length)} of ${formatCount(total)}` : formatCount(total)}
                <span className="sr-only"> {total === 1 ? "table" : "tables"})</span>
              </Badge>
            ) : null}
          </span>
        }
        description={description}
        actions={actions}
      />
      {children}
      <DataTable
        label={title}
        loadingLabel={`Loading ${title.toLowerCase()}`}
        sectionLabel="Tables"
        query={query}
        rows={rows}
        rowKey={rowKey}
        columns={columns}
        empty={
          filtered
            ? { icon: Search, title: `Nothing in ${title.toLowerCase()} matches “${filter.trim()}”` }
            : { icon, title: emptyTitle, description: emptyDescription }
        }
      />
    </Card>
  );
}

export function TablesView() {
  const params = useSearchParams();
  const selected = params.get("table");
  if (selected) return <TableDetailView name={selected} />;
  return <TablesList />;
}

/** Who may define analytics tables. */
const DEFINERS = ["analyst", "engineer", "admin"];

function TablesList() {
  const trpc = useTRPC();
  const list = useQuery(trpc.tables.list.queryOptions({}));
  const me = useQuery(trpc.me.queryOptions());
  const canDefine = me.data?.roles.some((r) => DEFINERS.includes(r)) ?? false;
  const [defining, setDefining] = useState(false);
  // Cancel gives the focus back to the button the form replaced.
  const [definingCancelled, setDefiningCancelled] = useState(false);
  const [filter, setFilter] = useState("");
  const filterId = useId();
  const tables = list.data?.tables.filter((t) => matchesFilter(filter, t.name, t.source?.slug));
  const raw = list.data?.rawSources.filter((r) =>
    matchesFilter(filter, r.name, r.source.slug, r.source.name),
  );
  const inZone = (zone: string) => tables?.filter((t) => t.zone === zone);

  return (
    <>
      <PageHeader
        title="Tables"
        description="Every table in the lake by zone, with what its current snapshot holds. Open one for its columns, partitions, snapshots and a preview."
      />
      <div className="mb-6 max-w-sm">
        <Label htmlFor={filterId}>Filter tables</Label>
        <Input
          id={filterId}
          type="search"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
          placeholder="Table or source name"
          autoComplete="off"
          spellCheck={false}
          className="mt-1"
        />
      </div>
      <div className="space-y-6">
        <ZoneCard
          zone="raw"
          title="Raw zone"
          description="Each source's events as received: one object per accepted request or dropped file under raw/{source}/dt={receive date}/, counted from the batch records. Not a table: open one for its objects by day."
          icon={Archive}
          query={list}
          rows={raw}
          total={list.data?.counts.raw}
          filter={filter}
          columns={RAW_COLUMNS}
          rowKey={(r) => r.name}
          emptyTitle="No sources yet"
          emptyDescription="Each source keeps the events it receives here, as they arrived, before they are checked."
        />
        <ZoneCard
          zone="curated"
          title="Curated tables"
          description="Events that passed their schema, deduplicated, as Parquet partitioned by event date: one table per source."
          icon={Database}
          query={list}
          rows={inZone("curated")}
          total={list.data?.counts.curated}
          filter={filter}
          columns={TABLE_COLUMNS}
          rowKey={(t) => t.name}
          emptyTitle="No curated tables yet"
          emptyDescription="A source's curated table appears when the source is registered; its rows after the first commit."
        />
        <ZoneCard
          zone="analytics"
          title="Analytics tables"
          description="Tables defined by SQL over curated tables, refreshed when an input commits or on a schedule."
          icon={Layers}
          query={list}
          rows={inZone("analytics")}
          total={list.data?.counts.analytics}
          filter={filter}
          columns={TABLE_COLUMNS}
          rowKey={(t) => t.name}
          emptyTitle="No analytics tables yet"
          emptyDescription="None has been defined: an analytics table is SQL over curated tables."
          actions={
            canDefine && !defining ? (
              <Button
                variant="secondary"
                size="sm"
                icon={<Plus className="size-4" aria-hidden="true" />}
                autoFocus={definingCancelled}
                onClick={() => setDefining(true)}
              >
                New analytics table
              </Button>
            ) : null
          }
        >
          {defining ? (
            <div className="border-gray-100 border-b p-4">
              <NewAnalyticsTableForm
                tables={list.data?.tables ?? []}
                onCancel={() => {
                  setDefining(false);
                  setDefiningCancelled(true);
                }}
              />
            </div>
          ) : null}
        </ZoneCard>
      </div>
    </>
  );
}
