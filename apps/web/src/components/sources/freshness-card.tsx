"use client";
// How fresh a source's data is: the median and 99th percentile time from accepting a batch to
// committing it to curated, over the last hour, and how many batches that is measured on.
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useId } from "react";
import { QueryError } from "@/components/query-error";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { formatCount, formatDuration } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { LIVE_REFRESH_MS } from "./ingest-rate-card";

/** A latency as people read it: "850 ms", "1.4 s", "12 s", then minutes and hours. */
export function formatLatency(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms);
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-gray-500 text-xs">{label}</dt>
      <dd className="mt-0.5 font-semibold text-2xl text-gray-900 tabular-nums">{value}</dd>
    </div>
  );
}

export function FreshnessCard({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const titleId = useId();
  const freshness = useQuery({
    ...trpc.sources.freshness.queryOptions({ slug }),
    refetchInterval: LIVE_REFRESH_MS,
  });

  let body: ReactNode;
  if (freshness.isPending) {
    body = (
      <div role="status" aria-busy="true" aria-label="Loading freshness">
        <Skeleton className="h-14 w-full" />
      </div>
    );
  } else if (freshness.isError) {
    body = (
      <QueryError
        error={freshness.error}
        sectionLabel="Freshness"
        onRetry={() => void freshness.refetch()}
        retrying={freshness.isFetching}
      />
    );
  } else if (freshness.data.batches === 0 || freshness.data.p50Ms === null || freshness.data.p99Ms === null) {
    body = <p className="text-gray-500 text-sm">No batches in the last hour.</p>;
  } else {
    const { p50Ms, p99Ms, batches } = freshness.data;
    body = (
      <>
        <dl className="grid grid-cols-2 gap-4">
          <Figure label="p50" value={formatLatency(p50Ms)} />
          <Figure label="p99" value={formatLatency(p99Ms)} />
        </dl>
        <p className="mt-2 text-gray-500 text-xs">
          From {formatCount(batches)} {batches === 1 ? "batch" : "batches"} committed in the last hour.
        </p>
      </>
    );
  }

  return (
    <Card role="region" aria-labelledby={titleId}>
      <CardHeader
        title={<span id={titleId}>Freshness</span>}
        description="From accepting a batch to committing it to curated, over the last hour."
      />
      <CardBody>{body}</CardBody>
    </Card>
  );
}
