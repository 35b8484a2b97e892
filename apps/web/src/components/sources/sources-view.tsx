"use client";
// The Sources list: every registered source with its kind, status, today's volume and active schema;
// engineers and admins register new ones from here.
import { useQuery } from "@tanstack/react-query";
import { Plug, Plus } from "lucide-react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { PageHeader } from "@/components/ui/page-header";
import { formatCount, formatDate } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

const KIND_LABELS: Record<string, string> = {
  http: "HTTP",
  webhook: "Webhook",
  file: "File drop",
  both: "HTTP and file drop",
};

const STATUS_TONES: Record<string, BadgeTone> = { active: "success", paused: "warning" };

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/** What the list says after a source page deleted a source (`?deleted={slug}&data=keep|purge`). */
export function deletedSourceNotice(params: URLSearchParams): string | undefined {
  const slug = params.get("deleted");
  if (!slug) return undefined;
  return params.get("data") === "purge"
    ? `Source ${slug} deleted and its data purged. Its API keys are refused.`
    : `Source ${slug} deleted. Its API keys are refused; curated.${slug} stays, read-only, with its dead letters.`;
}

export function SourcesView() {
  const trpc = useTRPC();
  const deletedNotice = deletedSourceNotice(useSearchParams());
  const sources = useQuery(trpc.sources.list.queryOptions());
  const me = useQuery(trpc.me.queryOptions());
  const canRegister = me.data?.roles.some((r) => r === "engineer" || r === "admin") ?? false;
  const newSourceLink = (text: string) =>
    canRegister ? (
      <Link href="/sources/new" className={buttonClasses("primary")}>
        <Plus className="size-4" aria-hidden="true" />
        {text}
      </Link>
    ) : null;

  return (
    <>
      <PageHeader
        title="Sources"
        description="Where events come in: HTTP push, webhooks and files dropped into storage. Open one for its ingest URL and API keys."
        actions={newSourceLink("New source")}
      />
      {deletedNotice ? (
        <p
          role="status"
          className="mb-4 rounded-md bg-emerald-50 px-4 py-3 text-emerald-900 text-sm ring-1 ring-emerald-200 ring-inset"
        >
          {deletedNotice}
        </p>
      ) : null}
      <Card>
        <DataTable
          label="Sources"
          loadingLabel="Loading sources"
          query={sources}
          rows={sources.data?.items}
          rowKey={(source) => source.id}
          empty={{
            icon: Plug,
            title: "No sources yet",
            description:
              "A source is an endpoint events are sent to, with a schema they are checked against. Once one is registered it appears here.",
            action: newSourceLink("Register a source"),
          }}
          columns={[
            {
              header: "Name",
              cell: (source) => (
                <>
                  <Link
                    href={`/sources/${encodeURIComponent(source.slug)}`}
                    className="rounded font-medium text-accent-700 hover:underline focus-visible:outline-2 focus-visible:outline-accent-500"
                  >
                    {source.name}
                  </Link>
                  <div className="font-mono text-gray-500 text-xs">{source.slug}</div>
                </>
              ),
            },
            { header: "Kind", cell: (source) => KIND_LABELS[source.kind] ?? source.kind },
            {
              header: "Status",
              cell: (source) => (
                <Badge dot tone={STATUS_TONES[source.status] ?? "neutral"}>
                  {capitalise(source.status)}
                </Badge>
              ),
            },
            {
              header: "Events today",
              className: "text-right",
              cellClassName: "tabular-nums",
              cell: (source) => formatCount(source.eventsToday),
            },
            {
              header: "Schema",
              cell: (source) =>
                source.activeSchemaVersion === null ? (
                  <span className="text-gray-400">None</span>
                ) : (
                  <span className="font-mono text-xs">v{source.activeSchemaVersion}</span>
                ),
            },
            {
              header: "Created",
              cellClassName: "whitespace-nowrap text-gray-500",
              cell: (source) => formatDate(source.createdAt),
            },
          ]}
        />
      </Card>
    </>
  );
}
