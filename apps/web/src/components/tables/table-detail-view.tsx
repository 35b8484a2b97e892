"use client";
// One table of the lake: its zone, source and totals at the current snapshot, and tabs for its columns,
// partitions, snapshots (with what committed each) and a preview of its newest rows; an analytics table
// its definition and refresh too. A source's raw zone (raw.{slug}) shows its objects by receive day
// instead. The open tab is in the URL (`?tab=`).
import { useQuery } from "@tanstack/react-query";
import { ArrowLeft, Clock, Database, Files, HardDrive, Rows3, Table2 } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { StatCard } from "@/components/overview/stat-card";
import { QueryError } from "@/components/query-error";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { TabPanel, Tabs } from "@/components/ui/tabs";
import { formatBytes, formatCount, formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { errorCode } from "@/lib/trpc-errors";
import { AnalyticsDefinitionCard, type AnalyticsDetails } from "./analytics-definition-card";
import { ColumnsPanel, NoDataYet } from "./columns-panel";
import { PartitionsPanel } from "./partitions-panel";
import { PreviewPanel } from "./preview-panel";
import { RawZoneDetail } from "./raw-zone-detail";
import { SnapshotsPanel } from "./snapshots-panel";

const TABS = ["columns", "partitions", "snapshots", "preview"] as const;
type Tab = (typeof TABS)[number];
const TAB_LABELS: Record<Tab, string> = {
  columns: "Columns",
  partitions: "Partitions",
  snapshots: "Snapshots",
  preview: "Preview",
};

function BackToTables() {
  return (
    <Link
      href="/tables"
      className="mb-3 inline-flex items-center gap-1 rounded text-gray-500 text-sm hover:text-gray-800 focus-visible:outline-2 focus-visible:outline-accent-500"
    >
      <ArrowLeft className="size-4" aria-hidden="true" /> Tables
    </Link>
  );
}

/** The open tab, kept in the URL so that a link to a table's snapshots opens on them. */
function useTab(): [Tab, (tab: Tab) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const given = params.get("tab");
  const tab = TABS.find((t) => t === given) ?? "columns";
  const select = (next: Tab) => {
    const query = new URLSearchParams(params.toString());
    if (next === "columns") query.delete("tab");
    else query.set("tab", next);
    const search = query.toString();
    router.replace(search ? `${pathname}?${search}` : pathname, { scroll: false });
  };
  return [tab, select];
}

export function TableDetailView({ name }: { name: string }) {
  const trpc = useTRPC();
  const table = useQuery(trpc.tables.get.queryOptions({ name }));

  if (table.isPending) {
    return (
      <div role="status" aria-busy="true" aria-label="Loading table">
        <BackToTables />
        <Skeleton className="h-6 w-56" />
        <Skeleton className="mt-2 h-4 w-80" />
        <Skeleton className="mt-8 h-24 w-full" />
        <Skeleton className="mt-6 h-64 w-full" />
      </div>
    );
  }
  if (table.isError && ["NOT_FOUND", "BAD_REQUEST"].includes(errorCode(table.error) ?? "")) {
    return (
      <>
        <BackToTables />
        <Card>
          <EmptyState
            icon={Table2}
            title={`No table “${name}”`}
            description="It may have been removed, or the link is mistyped. Tables lists every table in the lake."
          />
        </Card>
      </>
    );
  }
  if (table.isError) {
    return (
      <>
        <BackToTables />
        <Card>
          <QueryError
            error={table.error}
            sectionLabel="Tables"
            onRetry={() => void table.refetch()}
            retrying={table.isFetching}
          />
        </Card>
      </>
    );
  }
  const t = table.data;
  if (t.kind === "raw") {
    return (
      <>
        <BackToTables />
        <RawZoneDetail raw={t} />
      </>
    );
  }
  return (
    <>
      <BackToTables />
      <LakeTableDetail table={t} query={table} />
    </>
  );
}

interface LakeTable {
  name: string;
  zone: string;
  source: { id: string; slug: string } | null;
  columns: { name: string; type: string; forYou?: "allow" | "mask" | "hash" | "deny" }[];
  partitionBy: string[];
  currentSeq: number;
  /** Null when a row filter chooses the rows the reader sees. */
  rows: number | null;
  bytes: number;
  files: number;
  lastCommitAt: Date | null;
  /** For an analytics table: its definition, inputs and refresh state. */
  analytics: AnalyticsDetails | null;
}

function LakeTableDetail({
  table,
  query,
}: {
  table: LakeTable;
  query: {
    isPending: boolean;
    isError: boolean;
    error: unknown;
    isFetching: boolean;
    refetch: () => unknown;
  };
}) {
  const [tab, setTab] = useTab();
  const empty = table.currentSeq === 0;
  const idPrefix = "table-detail";
  return (
    <>
      <PageHeader
        title={table.name}
        description={
          <span className="inline-flex flex-wrap items-center gap-2">
            <Badge tone="accent">{table.zone.charAt(0).toUpperCase() + table.zone.slice(1)}</Badge>
            {table.source ? (
              <>
                <span aria-hidden="true">·</span>
                <span>
                  Source <span className="font-mono text-xs">{table.source.slug}</span>
                </span>
              </>
            ) : null}
            {table.partitionBy.length > 0 ? (
              <>
                <span aria-hidden="true">·</span>
                <span>
                  Partitioned by <span className="font-mono text-xs">{table.partitionBy.join(", ")}</span>
                </span>
              </>
            ) : null}
            <span aria-hidden="true">·</span>
            <span>{empty ? "No snapshot yet" : `Snapshot ${formatCount(table.currentSeq)}`}</span>
          </span>
        }
      />
      <dl className="mb-6 grid grid-cols-2 gap-3 lg:grid-cols-4" aria-label="Current snapshot">
        <StatCard
          label="Rows"
          icon={Rows3}
          value={table.rows === null ? "—" : formatCount(table.rows)}
          {...(table.rows === null ? { hint: "A row filter chooses the rows you see" } : {})}
        />
        <StatCard label="Size" icon={HardDrive} value={formatBytes(table.bytes)} hint="Parquet, compressed" />
        <StatCard label="Files" icon={Files} value={formatCount(table.files)} />
        <StatCard
          label="Last commit"
          icon={Clock}
          value={
            <span className="text-base">
              {table.lastCommitAt ? formatDateTime(table.lastCommitAt) : "None yet"}
            </span>
          }
        />
      </dl>
      {table.analytics ? <AnalyticsDefinitionCard name={table.name} analytics={table.analytics} /> : null}
      <Card>
        <Tabs
          label={`${table.name} details`}
          idPrefix={idPrefix}
          className="px-3"
          tabs={TABS.map((id) => ({
            id,
            label: TAB_LABELS[id],
            ...(id === "columns" ? { extra: formatCount(table.columns.length) } : {}),
          }))}
          selected={tab}
          onSelect={setTab}
        />
        <TabPanel idPrefix={idPrefix} id={tab}>
          {tab === "columns" ? (
            <ColumnsPanel
              name={table.name}
              columns={table.columns}
              partitionBy={table.partitionBy}
              query={query}
            />
          ) : empty ? (
            <NoDataYet />
          ) : tab === "partitions" ? (
            <PartitionsPanel name={table.name} />
          ) : tab === "snapshots" ? (
            <SnapshotsPanel name={table.name} />
          ) : (
            <PreviewPanel name={table.name} />
          )}
        </TabPanel>
      </Card>
      <p className="mt-3 inline-flex items-center gap-1.5 text-gray-500 text-xs">
        <Database className="size-3.5" aria-hidden="true" />
        Totals count the files of the current snapshot; readers never see half a commit.
      </p>
    </>
  );
}
