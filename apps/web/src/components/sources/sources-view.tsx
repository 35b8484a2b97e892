"use client";
// The Sources list: every registered source with its kind, status, today's volume and active schema.
import { useQuery } from "@tanstack/react-query";
import { Plug } from "lucide-react";
import Link from "next/link";
import { QueryError } from "@/components/query-error";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TBody, Td, THead, Th, Tr } from "@/components/ui/table";
import { formatCount, formatDate } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

const KIND_LABELS: Record<string, string> = { http: "HTTP", webhook: "Webhook", file: "File drop" };

const STATUS_TONES: Record<string, BadgeTone> = { active: "success", paused: "warning" };

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

export function SourcesView() {
  const trpc = useTRPC();
  const sources = useQuery(trpc.sources.list.queryOptions());

  return (
    <>
      <PageHeader
        title="Sources"
        description="Where events come in: HTTP push, webhooks and files dropped into storage. Open one for its ingest URL and API keys."
      />
      <Card>
        {sources.isPending ? (
          <TableSkeleton />
        ) : sources.isError ? (
          <QueryError
            error={sources.error}
            sectionLabel="Sources"
            onRetry={() => void sources.refetch()}
            retrying={sources.isFetching}
          />
        ) : sources.data.items.length === 0 ? (
          <EmptyState
            icon={Plug}
            title="No sources yet"
            description="A source is an endpoint events are sent to, with a schema they are checked against. Once one is registered it appears here."
          />
        ) : (
          <Table aria-label="Sources">
            <THead>
              <tr>
                <Th>Name</Th>
                <Th>Kind</Th>
                <Th>Status</Th>
                <Th className="text-right">Events today</Th>
                <Th>Schema</Th>
                <Th>Created</Th>
              </tr>
            </THead>
            <TBody>
              {sources.data.items.map((source) => (
                <Tr key={source.id}>
                  <Td>
                    <Link
                      href={`/sources/${encodeURIComponent(source.slug)}`}
                      className="rounded font-medium text-accent-700 hover:underline focus-visible:outline-2 focus-visible:outline-accent-500"
                    >
                      {source.name}
                    </Link>
                    <div className="font-mono text-gray-500 text-xs">{source.slug}</div>
                  </Td>
                  <Td>{KIND_LABELS[source.kind] ?? source.kind}</Td>
                  <Td>
                    <Badge dot tone={STATUS_TONES[source.status] ?? "neutral"}>
                      {capitalise(source.status)}
                    </Badge>
                  </Td>
                  <Td className="text-right tabular-nums">{formatCount(source.eventsToday)}</Td>
                  <Td>
                    {source.activeSchemaVersion === null ? (
                      <span className="text-gray-400">None</span>
                    ) : (
                      <span className="font-mono text-xs">v{source.activeSchemaVersion}</span>
                    )}
                  </Td>
                  <Td className="whitespace-nowrap text-gray-500">{formatDate(source.createdAt)}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </Card>
    </>
  );
}

function TableSkeleton() {
  return (
    <div role="status" aria-busy="true" aria-label="Loading sources" className="divide-y divide-gray-100">
      <div className="bg-gray-50/80 px-5 py-3">
        <Skeleton className="h-3 w-1/3" />
      </div>
      {[0, 1, 2, 3].map((row) => (
        <div key={row} className="flex items-center gap-6 px-5 py-4">
          <div className="w-1/4 space-y-1.5">
            <Skeleton className="h-3.5 w-3/4" />
            <Skeleton className="h-3 w-1/2" />
          </div>
          <Skeleton className="h-3.5 w-16" />
          <Skeleton className="h-5 w-16" />
          <Skeleton className="ml-auto h-3.5 w-12" />
          <Skeleton className="h-3.5 w-20" />
        </div>
      ))}
    </div>
  );
}
