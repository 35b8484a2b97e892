"use client";
// The Overview's content: headline counts, queue health and the last day's event rate, refreshed while open.
import { useQuery } from "@tanstack/react-query";
import { Activity, Boxes, Inbox, Layers, Plug } from "lucide-react";
import { QueryError } from "@/components/query-error";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { formatCount, formatDuration } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { EventsChart } from "./events-chart";
import { StatCard, StatCardSkeleton } from "./stat-card";

const REFRESH_MS = 15_000;

export function OverviewView() {
  const trpc = useTRPC();
  const summary = useQuery(trpc.overview.summary.queryOptions(undefined, { refetchInterval: REFRESH_MS }));

  return (
    <>
      <PageHeader title="Overview" description="Ingest, processing and queue health across the lake." />
      {summary.isPending ? (
        <OverviewSkeleton />
      ) : summary.isError ? (
        <Card>
          <QueryError
            error={summary.error}
            sectionLabel="Overview"
            onRetry={() => void summary.refetch()}
            retrying={summary.isFetching}
          />
        </Card>
      ) : (
        <>
          <dl className="grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-3 xl:grid-cols-5">
            <StatCard
              icon={Plug}
              label="Sources"
              value={formatCount(summary.data.sources)}
              hint="Registered"
            />
            <StatCard
              icon={Activity}
              label="Events today"
              value={formatCount(summary.data.eventsToday)}
              hint="Accepted since 00:00 UTC"
            />
            <StatCard
              icon={Layers}
              label="Batches today"
              value={formatCount(summary.data.batchesToday)}
              hint="Received since 00:00 UTC"
            />
            <StatCard
              icon={Inbox}
              label="Open dead letters"
              value={formatCount(summary.data.deadLettersOpen)}
              hint={summary.data.deadLettersOpen > 0 ? "Waiting for a fix or replay" : "Nothing rejected"}
              tone={summary.data.deadLettersOpen > 0 ? "warning" : "neutral"}
            />
            <StatCard
              icon={Boxes}
              label="Queue depth"
              className="col-span-2 lg:col-span-1"
              value={summary.data.queue ? formatCount(summary.data.queue.depth) : "—"}
              hint={
                summary.data.queue
                  ? summary.data.queue.depth > 0
                    ? `Oldest message ${formatDuration(summary.data.queue.oldestAgeMs)} old`
                    : "Queue is empty"
                  : "Queue metrics unavailable"
              }
            />
          </dl>
          <Card className="mt-4 sm:mt-6">
            <CardHeader
              title="Events per hour"
              description="Accepted events, last 24 hours"
              actions={
                <span className="text-gray-500 text-xs tabular-nums">
                  {formatCount(summary.data.eventsByHour.reduce((total, row) => total + row.events, 0))} total
                </span>
              }
            />
            <div className="px-2 pt-4 pb-2 sm:px-4">
              {summary.data.eventsByHour.some((row) => row.events > 0) ? (
                <EventsChart data={summary.data.eventsByHour} />
              ) : (
                <EmptyState
                  icon={Activity}
                  title="No events in the last 24 hours"
                  description="No events yet — send some to a source's ingest URL"
                  className="h-64 py-0"
                />
              )}
            </div>
          </Card>
        </>
      )}
    </>
  );
}

function OverviewSkeleton() {
  return (
    <div role="status" aria-busy="true" aria-label="Loading overview">
      <div className="grid grid-cols-2 gap-3 sm:gap-4 lg:grid-cols-3 xl:grid-cols-5">
        <StatCardSkeleton />
        <StatCardSkeleton />
        <StatCardSkeleton />
        <StatCardSkeleton />
        <StatCardSkeleton className="col-span-2 lg:col-span-1" />
      </div>
      <Card className="mt-4 sm:mt-6">
        <div className="border-gray-100 border-b px-5 py-4">
          <Skeleton className="h-4 w-32" />
          <Skeleton className="mt-2 h-3 w-48" />
        </div>
        <div className="p-5">
          <Skeleton className="h-56 w-full" />
        </div>
      </Card>
    </div>
  );
}
