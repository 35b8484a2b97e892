"use client";
// A source's open dead letters counted per reason code, each opening the Dead letters page filtered to
// this source and that reason.
import { useQuery } from "@tanstack/react-query";
import { ChevronRight } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useId } from "react";
import { QueryError } from "@/components/query-error";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { formatCount } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { LIVE_REFRESH_MS } from "./ingest-rate-card";

export function deadLettersHref(slug: string, reasonCode?: string): string {
  const params = new URLSearchParams({ source: slug });
  if (reasonCode) params.set("reason", reasonCode);
  return `/dead-letters?${params.toString()}`;
}

export function RejectsCard({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const titleId = useId();
  const rejects = useQuery({
    ...trpc.sources.rejects.queryOptions({ slug }),
    refetchInterval: LIVE_REFRESH_MS,
  });

  let body: ReactNode;
  if (rejects.isPending) {
    body = (
      <div role="status" aria-busy="true" aria-label="Loading rejects">
        <Skeleton className="h-5 w-full" />
        <Skeleton className="mt-2 h-5 w-2/3" />
      </div>
    );
  } else if (rejects.isError) {
    body = (
      <QueryError
        error={rejects.error}
        sectionLabel="Rejects by reason"
        onRetry={() => void rejects.refetch()}
        retrying={rejects.isFetching}
      />
    );
  } else if (rejects.data.reasons.length === 0) {
    body = <p className="text-gray-500 text-sm">No open dead letters.</p>;
  } else {
    body = (
      <ul className="-mx-2 space-y-0.5">
        {rejects.data.reasons.map((r) => (
          <li key={r.reasonCode}>
            <Link
              href={deadLettersHref(slug, r.reasonCode)}
              aria-label={`${r.reasonCode}: ${formatCount(r.count)} open dead ${r.count === 1 ? "letter" : "letters"}`}
              className="flex items-center justify-between gap-3 rounded-md px-2 py-1.5 hover:bg-gray-50 focus-visible:outline-2 focus-visible:outline-accent-500"
            >
              <Badge tone="danger">{r.reasonCode}</Badge>
              <span className="inline-flex items-center gap-1 text-gray-700 text-sm tabular-nums">
                {formatCount(r.count)}
                <ChevronRight aria-hidden="true" className="size-4 text-gray-400" />
              </span>
            </Link>
          </li>
        ))}
      </ul>
    );
  }

  return (
    <Card role="region" aria-labelledby={titleId}>
      <CardHeader
        title={<span id={titleId}>Rejects by reason</span>}
        description="Open dead letters of this source."
        actions={
          rejects.data && rejects.data.total > 0 ? (
            <Link
              href={deadLettersHref(slug)}
              className="rounded text-accent-700 text-xs hover:underline focus-visible:outline-2 focus-visible:outline-accent-500"
            >
              All {formatCount(rejects.data.total)}
            </Link>
          ) : null
        }
      />
      <CardBody>{body}</CardBody>
    </Card>
  );
}
