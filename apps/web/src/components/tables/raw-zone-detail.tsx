"use client";
// A source's raw zone: the objects its accepted requests and dropped files were stored as, counted from
// the catalog's batch records, and how many arrived each day (the dt= folders of their keys).
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { Archive, Clock, FileStack, HardDrive, Rows3 } from "lucide-react";
import Link from "next/link";
import { StatCard } from "@/components/overview/stat-card";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { PageHeader } from "@/components/ui/page-header";
import { formatBytes, formatCount, formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

const PAGE_SIZE = 50;

interface RawZone {
  name: string;
  source: { id: string; slug: string; name: string };
  prefix: string;
  objects: number;
  bytes: number;
  events: number;
  failedObjects: number;
  oldestReceivedAt: Date | null;
  newestReceivedAt: Date | null;
}

export function RawZoneDetail({ raw }: { raw: RawZone }) {
  const trpc = useTRPC();
  const days = useInfiniteQuery(
    trpc.tables.partitions.infiniteQueryOptions(
      { name: raw.name, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const rows = (days.data?.pages ?? []).flatMap((page) => (page.kind === "raw" ? page.items : []));
  const total = days.data?.pages[0]?.total ?? rows.length;
  const curated = `curated.${raw.source.slug}`;
  return (
    <>
      <PageHeader
        title={raw.name}
        description={
          <span className="inline-flex flex-wrap items-center gap-2">
            <Badge tone="accent">Raw</Badge>
            <span aria-hidden="true">·</span>
            <span>
              Source <span className="font-mono text-xs">{raw.source.slug}</span>
            </span>
            <span aria-hidden="true">·</span>
            <span className="font-mono text-xs">{raw.prefix}dt=…/</span>
          </span>
        }
      />
      <p className="mb-4 max-w-3xl text-gray-600 text-sm">
        The raw zone keeps each accepted request or dropped file as one object, as received, before any check:
        it is what a replay reads. It is not a table (no columns, snapshots or preview); these figures count
        the catalog's batch records. The checked, deduplicated events are in{" "}
        <Link
          href={`/tables/${encodeURIComponent(curated)}`}
          className="rounded font-mono text-accent-700 hover:underline focus-visible:outline-2 focus-visible:outline-accent-500"
        >
          {curated}
        </Link>
        .
      </p>
      <dl className="mb-6 grid grid-cols-2 gap-3 lg:grid-cols-4" aria-label="Raw zone">
        <StatCard
          label="Objects"
          icon={FileStack}
          value={formatCount(raw.objects)}
          tone={raw.failedObjects > 0 ? "warning" : "neutral"}
          hint={
            raw.failedObjects > 0
              ? `${formatCount(raw.failedObjects)} of batches the workers gave up on`
              : undefined
          }
        />
        <StatCard label="Size" icon={HardDrive} value={formatBytes(raw.bytes)} hint="As received" />
        <StatCard label="Events" icon={Rows3} value={formatCount(raw.events)} hint="Counted at ingest" />
        <StatCard
          label="Newest object"
          icon={Clock}
          value={
            <span className="text-base">
              {raw.newestReceivedAt ? formatDateTime(raw.newestReceivedAt) : "None yet"}
            </span>
          }
          hint={raw.oldestReceivedAt ? `Oldest ${formatDateTime(raw.oldestReceivedAt)}` : undefined}
        />
      </dl>
      <Card>
        <CardHeader
          title="Objects by receive date"
          description="Days with objects still kept; the source's raw retention deletes older ones."
        />
        <DataTable
          label={`Objects of ${raw.name} by receive date`}
          loadingLabel="Loading raw objects by day"
          sectionLabel="Tables"
          query={days}
          rows={rows}
          rowKey={(d) => d.partition}
          empty={{
            icon: Archive,
            title: "Nothing received yet",
            description: "Events sent to this source are stored here as they arrive.",
          }}
          paging={{
            summary: `${formatCount(rows.length)} of ${formatCount(total)} days`,
            failedMessage: "Couldn't load more days.",
          }}
          columns={[
            {
              header: "Received on",
              cellClassName: "font-mono text-xs text-gray-900",
              cell: (d) => d.partition,
            },
            {
              header: "Objects",
              className: "text-right",
              cellClassName: "tabular-nums",
              cell: (d) => formatCount(d.objects),
            },
            {
              header: "Size",
              className: "hidden text-right sm:table-cell",
              cellClassName: "tabular-nums",
              cell: (d) => formatBytes(d.bytes),
            },
            {
              header: "Events",
              className: "text-right",
              cellClassName: "tabular-nums",
              cell: (d) => formatCount(d.events),
            },
            {
              header: "First – last received",
              className: "hidden md:table-cell",
              cellClassName: "whitespace-nowrap text-gray-500 text-xs tabular-nums",
              cell: (d) => `${formatDateTime(d.firstReceivedAt)} – ${formatDateTime(d.lastReceivedAt)}`,
            },
          ]}
        />
      </Card>
    </>
  );
}
