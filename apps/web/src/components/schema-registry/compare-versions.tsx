"use client";
// Any two versions of a source's schema side by side: the meaning-level changes from one to the other,
// then both JSON documents in two columns.
import { skipToken, useQuery } from "@tanstack/react-query";
import { GitCompare } from "lucide-react";
import { useState } from "react";
import { QueryError } from "@/components/query-error";
import { Skeleton } from "@/components/ui/skeleton";
import { VersionRangeForm } from "@/components/ui/version-range-form";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { SchemaChangesList } from "./schema-changes-list";

interface VersionDocument {
  version: number;
  createdBy: string | null;
  createdAt: Date;
  jsonSchema: unknown;
}

function SchemaDocument({ doc }: { doc: VersionDocument }) {
  return (
    <section aria-label={`JSON Schema, version ${doc.version}`} className="min-w-0">
      <h3 className="font-semibold text-gray-900 text-sm">Version {doc.version}</h3>
      <p className="mb-2 text-gray-500 text-xs">
        {doc.createdBy ?? "Creator not recorded"} · {formatDateTime(doc.createdAt)}
      </p>
      <pre className="max-h-[28rem] overflow-auto rounded-md bg-gray-50 p-3 font-mono text-gray-800 text-xs leading-relaxed ring-1 ring-gray-200 ring-inset">
        {JSON.stringify(doc.jsonSchema, null, 2)}
      </pre>
    </section>
  );
}

export function CompareVersions({ slug, versions }: { slug: string; versions: readonly number[] }) {
  const trpc = useTRPC();
  const newest = versions[0] ?? 1;
  const [from, setFrom] = useState(versions[1] ?? newest);
  const [to, setTo] = useState(newest);
  const [compared, setCompared] = useState<{ from: number; to: number } | undefined>();
  const diff = useQuery(trpc.schemas.diff.queryOptions(compared ? { slug, ...compared } : skipToken));

  if (versions.length < 2) {
    return (
      <p className="text-gray-500 text-sm">
        There is one version so far. Register a new version to compare two side by side.
      </p>
    );
  }
  return (
    <div className="space-y-4">
      <VersionRangeForm
        versions={versions}
        from={from}
        to={to}
        onFromChange={setFrom}
        onToChange={setTo}
        onCompare={setCompared}
        optionLabel={(v) => `Version ${v}`}
        className="flex flex-col gap-3 sm:flex-row sm:items-end"
        selectClassName="sm:w-40"
        buttonIcon={<GitCompare className="size-4" aria-hidden="true" />}
      />
      {compared === undefined ? null : diff.isPending ? (
        <div role="status" aria-busy="true" aria-label="Loading the comparison">
          <Skeleton className="h-24 w-full" />
        </div>
      ) : diff.isError ? (
        <QueryError
          error={diff.error}
          sectionLabel="Sources"
          onRetry={() => void diff.refetch()}
          retrying={diff.isFetching}
        />
      ) : (
        <div className="space-y-4">
          <SchemaChangesList
            changes={diff.data.changes}
            label={`Changes from version ${diff.data.from.version} to version ${diff.data.to.version}`}
          />
          <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
            <SchemaDocument doc={diff.data.from} />
            <SchemaDocument doc={diff.data.to} />
          </div>
        </div>
      )}
    </div>
  );
}
