"use client";
// An analytics table's "Definition and refresh" card: the SQL that defines it, its inputs (each linked,
// with the snapshot the last good refresh read and its current one), when it is refreshed, and how the
// last refresh went (a failure in red: the table keeps its last good snapshot). Analysts, engineers and
// admins refresh it now.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { RefreshCw } from "lucide-react";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";
import {
  type AnalyticsDetails,
  describeInput,
  describeRefreshMode,
  describeRefreshResult,
} from "./analytics-refresh-text";

export type { AnalyticsDetails };

const REFRESHERS = ["analyst", "engineer", "admin"];

export function AnalyticsDefinitionCard({ name, analytics }: { name: string; analytics: AnalyticsDetails }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.me.queryOptions());
  const canRefresh = me.data?.roles.some((r) => REFRESHERS.includes(r)) ?? false;
  const refresh = useMutation(
    trpc.analytics.refresh.mutationOptions({
      onSettled: () => void queryClient.invalidateQueries({ queryKey: trpc.tables.pathKey() }),
    }),
  );
  const last = analytics.lastRefresh;
  const headingId = "analytics-definition-title";
  return (
    <Card role="region" aria-labelledby={headingId} className="mb-6">
      <CardHeader
        title={<span id={headingId}>Definition and refresh</span>}
        description="The SQL this table is materialized from, and when it is refreshed from its inputs."
        actions={
          canRefresh ? (
            <Button
              variant="secondary"
              size="sm"
              loading={refresh.isPending}
              icon={<RefreshCw className="size-4" aria-hidden="true" />}
              onClick={() => refresh.mutate({ name })}
            >
              Refresh now
            </Button>
          ) : null
        }
      />
      <CardBody className="space-y-4">
        <section aria-label="Definition">
          <pre className="max-h-72 overflow-auto whitespace-pre-wrap rounded-md bg-gray-50 px-3 py-2 font-mono text-gray-800 text-xs">
            {analytics.definition}
          </pre>
        </section>
        <dl className="grid gap-4 text-sm sm:grid-cols-3">
          <div>
            <dt className="font-medium text-gray-700">Inputs</dt>
            <dd className="mt-1">
              <ul aria-label="Inputs" className="space-y-1">
                {analytics.inputs.map((input) => (
                  <li key={input.name}>
                    {input.currentSeq === null ? (
                      <span className="font-mono text-gray-900 text-xs">{input.name}</span>
                    ) : (
                      <Link
                        href={`/tables/${encodeURIComponent(input.name)}`}
                        className="rounded font-mono text-accent-700 text-xs hover:underline focus-visible:outline-2 focus-visible:outline-accent-500"
                      >
                        {input.name}
                      </Link>
                    )}
                    <div className="text-gray-500 text-xs">{describeInput(input)}</div>
                  </li>
                ))}
              </ul>
            </dd>
          </div>
          <div>
            <dt className="font-medium text-gray-700">Refreshed</dt>
            <dd className="mt-1 text-gray-900">
              {describeRefreshMode(analytics.refreshMode, analytics.scheduleMinutes)}
            </dd>
          </div>
          <div>
            <dt className="font-medium text-gray-700">Last refresh</dt>
            <dd className="mt-1" data-testid="last-refresh">
              {last.status === "never" ? (
                <span className="text-gray-500">Not refreshed yet</span>
              ) : (
                <span className="inline-flex flex-wrap items-center gap-2">
                  <Badge tone={last.status === "ok" ? "success" : "danger"}>
                    {last.status === "ok" ? "OK" : "Failed"}
                  </Badge>
                  <span className="text-gray-500 tabular-nums">{last.at ? formatDateTime(last.at) : ""}</span>
                </span>
              )}
            </dd>
          </div>
        </dl>
        {last.status === "failed" && last.error ? (
          <section
            data-testid="last-refresh-error"
            aria-label="Last refresh error"
            className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-red-800 text-sm"
          >
            <p className="font-medium">The last refresh failed; the table shows its last good snapshot.</p>
            <p className="mt-1 whitespace-pre-wrap font-mono text-red-700 text-xs">{last.error}</p>
          </section>
        ) : null}
        {refresh.isSuccess ? (
          <p
            role="status"
            className={
              refresh.data.refresh.status === "failed" ? "text-red-700 text-sm" : "text-green-700 text-sm"
            }
          >
            {describeRefreshResult(refresh.data.refresh)}
          </p>
        ) : null}
        {refresh.isError ? (
          <p role="alert" className="text-red-700 text-sm">
            {describeError(refresh.error)}
          </p>
        ) : null}
      </CardBody>
    </Card>
  );
}
