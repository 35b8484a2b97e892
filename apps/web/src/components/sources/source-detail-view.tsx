"use client";
// One source: where producers send to it (URL, a curl line, the landing folder, a test event), what
// it is doing (ingest rate, freshness, latest events, rejects by reason), the schema its events are
// checked against, its API keys, and pausing or resuming its ingest. Engineers and admins manage it;
// on-call staff see it. Engineers, on-call staff and admins may reprocess a range of it from raw.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, FlaskConical, Pause, Play, Plug } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { QueryError } from "@/components/query-error";
import { ReprocessCard } from "@/components/reprocess/reprocess-card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { formatDate } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { describeError, errorCode } from "@/lib/trpc-errors";
import { ApiKeysCard } from "./api-keys-card";
import { CopyField } from "./copy-field";
import { FreshnessCard } from "./freshness-card";
import { IngestRateCard } from "./ingest-rate-card";
import { LatestEventsCard } from "./latest-events-card";
import { LifecycleCard } from "./lifecycle-card";
import { RejectsCard } from "./rejects-card";
import { SchemaCard } from "./schema-card";
import { TestEventPanel } from "./test-event-panel";

const KIND_LABELS: Record<string, string> = { http: "HTTP", webhook: "Webhook", file: "File drop" };

function curlLine(url: string): string {
  return `curl -X POST '${url}' \\
  -H "Authorization: Bearer $INLET_KEY" \\
  -H 'Content-Type: application/x-ndjson' \\
  --data-binary @events.ndjson`;
}

export function SourceDetailView({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.me.queryOptions());
  const source = useQuery(trpc.sources.get.queryOptions({ slug }));
  const [confirmPause, setConfirmPause] = useState(false);
  // Each pause control replaces the one pressed (keyed, so it is a new button): once someone has used
  // them, the new one takes the focus.
  const [pauseTouched, setPauseTouched] = useState(false);
  const [testOpen, setTestOpen] = useState(false);
  const setStatus = useMutation(
    trpc.sources.setStatus.mutationOptions({
      onSuccess: () => {
        setConfirmPause(false);
        void queryClient.invalidateQueries({ queryKey: trpc.sources.get.queryKey({ slug }) });
        void queryClient.invalidateQueries({ queryKey: trpc.sources.list.queryKey() });
      },
    }),
  );
  const canManage = me.data?.roles.some((r) => r === "engineer" || r === "admin") ?? false;
  const canReprocess =
    me.data?.roles.some((r) => r === "engineer" || r === "admin" || r === "oncall") ?? false;

  const back = (
    <Link
      href="/sources"
      className="mb-3 inline-flex items-center gap-1 rounded text-gray-500 text-sm hover:text-gray-800 focus-visible:outline-2 focus-visible:outline-accent-500"
    >
      <ArrowLeft className="size-4" aria-hidden="true" /> Sources
    </Link>
  );

  if (source.isPending) {
    return (
      <div role="status" aria-busy="true" aria-label="Loading source">
        {back}
        <Skeleton className="h-6 w-48" />
        <Skeleton className="mt-2 h-4 w-72" />
        <Skeleton className="mt-8 h-48 w-full" />
      </div>
    );
  }
  if (source.isError && ["NOT_FOUND", "BAD_REQUEST"].includes(errorCode(source.error) ?? "")) {
    return (
      <>
        {back}
        <Card>
          <EmptyState
            icon={Plug}
            title={`No source “${slug}”`}
            description="It may have been renamed or removed. Sources lists every source you can see."
          />
        </Card>
      </>
    );
  }
  if (source.isError) {
    return (
      <>
        {back}
        <Card>
          <QueryError
            error={source.error}
            sectionLabel="Sources"
            onRetry={() => void source.refetch()}
            retrying={source.isFetching}
          />
        </Card>
      </>
    );
  }
  const s = source.data;
  const paused = s.status === "paused";
  const pauseControls = !canManage ? null : paused ? (
    <Button
      key="resume"
      variant="secondary"
      loading={setStatus.isPending}
      icon={<Play className="size-4" aria-hidden="true" />}
      autoFocus={pauseTouched}
      onClick={() => setStatus.mutate({ slug, status: "active" })}
    >
      Resume ingest
    </Button>
  ) : confirmPause ? (
    <>
      <Button
        key="confirm-pause"
        variant="danger"
        loading={setStatus.isPending}
        autoFocus
        onClick={() => setStatus.mutate({ slug, status: "paused" })}
      >
        Pause: refuse new events
      </Button>
      <Button variant="ghost" onClick={() => setConfirmPause(false)}>
        Cancel
      </Button>
    </>
  ) : (
    <Button
      key="pause"
      variant="secondary"
      icon={<Pause className="size-4" aria-hidden="true" />}
      autoFocus={pauseTouched}
      onClick={() => {
        setPauseTouched(true);
        setConfirmPause(true);
      }}
    >
      Pause ingest
    </Button>
  );

  return (
    <>
      {back}
      <PageHeader
        title={s.name}
        description={
          <span className="inline-flex flex-wrap items-center gap-2">
            <span className="font-mono text-xs">{s.slug}</span>
            <span aria-hidden="true">·</span>
            {KIND_LABELS[s.kind] ?? s.kind}
            <span aria-hidden="true">·</span>
            <Badge dot tone={paused ? "warning" : "success"}>
              {paused ? "Paused" : "Active"}
            </Badge>
          </span>
        }
        actions={pauseControls}
      />
      {setStatus.isError ? (
        <p role="alert" className="mb-4 text-red-700 text-sm">
          {describeError(setStatus.error)}
        </p>
      ) : null}
      {paused ? (
        <p
          role="status"
          className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-amber-900 text-sm"
        >
          Ingest is paused: producers get 409 SOURCE_PAUSED and files dropped into the landing folder wait
          there; nothing is stored until it is resumed (producers are let in again within 5 seconds). Keep
          their batches; send them again after resuming.
        </p>
      ) : null}
      <div className="space-y-6">
        <Card>
          <CardHeader
            title="Send events"
            description="NDJSON, CloudEvents (structured, batched or binary) or files dropped into the landing folder."
            actions={
              canManage ? (
                <Button
                  id="send-test-event"
                  variant="secondary"
                  size="sm"
                  aria-expanded={testOpen}
                  aria-controls="source-test-event"
                  icon={<FlaskConical className="size-4" aria-hidden="true" />}
                  onClick={() => setTestOpen((open) => !open)}
                >
                  Send a test event
                </Button>
              ) : null
            }
          />
          <CardBody className="space-y-4">
            <div>
              <p className="mb-1 font-medium text-gray-700 text-xs">Ingest URL</p>
              <CopyField value={s.ingestUrl} label="Ingest URL" />
            </div>
            <div>
              <p className="mb-1 font-medium text-gray-700 text-xs">With curl</p>
              <pre className="overflow-x-auto rounded-md bg-gray-900 px-4 py-3 font-mono text-gray-100 text-xs leading-relaxed">
                {curlLine(s.ingestUrl)}
              </pre>
            </div>
            <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
              <div>
                <dt className="text-gray-500 text-xs">Landing folder for files</dt>
                <dd className="font-mono text-gray-800 text-xs">{s.landingPrefix}</dd>
              </div>
              <div>
                <dt className="text-gray-500 text-xs">Created</dt>
                <dd className="text-gray-800 text-xs">{formatDate(s.createdAt)}</dd>
              </div>
            </dl>
            <div id="source-test-event" hidden={!(canManage && testOpen)}>
              {canManage && testOpen ? (
                <TestEventPanel
                  slug={slug}
                  onClose={() => {
                    setTestOpen(false);
                    document.getElementById("send-test-event")?.focus();
                  }}
                />
              ) : null}
            </div>
          </CardBody>
        </Card>
        <div className="grid grid-cols-1 gap-6 xl:grid-cols-3">
          <div className="xl:col-span-2">
            <IngestRateCard slug={slug} />
          </div>
          <div className="space-y-6">
            <FreshnessCard slug={slug} />
            <RejectsCard slug={slug} />
          </div>
        </div>
        <LatestEventsCard slug={slug} />
        <SchemaCard
          schema={s.schema}
          idField={s.idField}
          timeField={s.timeField}
          registryHref={`/sources/${encodeURIComponent(slug)}/schema`}
        />
        {canManage ? (
          <ApiKeysCard slug={slug} />
        ) : (
          <Card>
            <CardBody>
              <p className="text-gray-500 text-sm">API keys are managed by engineers and admins.</p>
            </CardBody>
          </Card>
        )}
        {canReprocess ? <ReprocessCard slug={slug} /> : null}
        <LifecycleCard source={s} canManage={canManage} />
      </div>
    </>
  );
}
