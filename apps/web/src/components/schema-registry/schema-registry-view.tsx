"use client";
// A source's schema registry: its versions (who, when, mode, the active one), the compatibility mode
// new versions are checked under, any two versions compared, and proposing the next version (check,
// then register). Engineers and admins change it; on-call staff see it.
import { useQuery } from "@tanstack/react-query";
import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { QueryError } from "@/components/query-error";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { useTRPC } from "@/lib/trpc";
import { CompareVersions } from "./compare-versions";
import { CompatibilitySelect } from "./compatibility-select";
import { NewVersionButton, NewVersionForm } from "./new-version-form";
import { VersionsTable } from "./versions-table";

export function SchemaRegistryView({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const list = useQuery(trpc.schemas.list.queryOptions({ slug }));
  const source = useQuery(trpc.sources.get.queryOptions({ slug }));
  const [proposing, setProposing] = useState(false);
  const canManage = me.data?.roles.some((r) => r === "engineer" || r === "admin") ?? false;
  const versions = list.data?.versions ?? [];
  const active = source.data?.schema ?? null;

  const back = (
    <Link
      href={`/sources/${encodeURIComponent(slug)}`}
      className="mb-3 inline-flex items-center gap-1 rounded text-gray-500 text-sm hover:text-gray-800 focus-visible:outline-2 focus-visible:outline-accent-500"
    >
      <ArrowLeft className="size-4" aria-hidden="true" /> {source.data?.name ?? slug}
    </Link>
  );

  if (list.isError) {
    return (
      <>
        {back}
        <PageHeader title="Schema registry" />
        <Card>
          <QueryError
            error={list.error}
            sectionLabel="Sources"
            onRetry={() => void list.refetch()}
            retrying={list.isFetching}
          />
        </Card>
      </>
    );
  }

  return (
    <>
      {back}
      <PageHeader
        title="Schema registry"
        description={
          <>
            Versions of <span className="font-mono text-xs">{slug}</span>’s schema. Events are checked against
            the active version; a new version adds curated columns at once, without rewriting earlier files.
          </>
        }
      />
      <div className="space-y-6">
        <Card role="region" aria-labelledby="schema-versions-title">
          <CardHeader
            title={<span id="schema-versions-title">Versions</span>}
            description="Newest first. The active version is the one events are validated against."
          />
          <div className="border-gray-100 border-b px-5 py-4">
            {list.isPending ? (
              <Skeleton className="h-9 w-64" />
            ) : (
              <CompatibilitySelect slug={slug} mode={list.data.compatibility} canManage={canManage} />
            )}
          </div>
          <VersionsTable query={list} versions={list.data?.versions} />
        </Card>

        {versions.length > 0 ? (
          <Card role="region" aria-labelledby="compare-versions-title">
            <CardHeader
              title={<span id="compare-versions-title">Compare versions</span>}
              description="What changed in meaning (fields added, removed, retyped, newly required, allowed values), and both documents side by side."
            />
            <CardBody>
              <CompareVersions
                key={versions[0]?.version}
                slug={slug}
                versions={versions.map((v) => v.version)}
              />
            </CardBody>
          </Card>
        ) : null}

        {canManage && versions.length > 0 ? (
          <Card role="region" aria-labelledby="new-version-title">
            <CardHeader
              title={<span id="new-version-title">New version</span>}
              description={`Checked under ${list.data?.compatibility.toUpperCase() ?? "the source's mode"} before it can be registered: the verdict, what changes, and which saved queries, analytics tables and policies read each changed column.`}
              actions={proposing ? null : <NewVersionButton onClick={() => setProposing(true)} />}
            />
            {proposing ? (
              <CardBody>
                {active === null ? (
                  <Skeleton className="h-64 w-full" />
                ) : (
                  <NewVersionForm
                    slug={slug}
                    activeSchema={active.jsonSchema}
                    activeVersion={active.version}
                    onClose={() => setProposing(false)}
                  />
                )}
              </CardBody>
            ) : null}
          </Card>
        ) : null}
      </div>
    </>
  );
}
