"use client";
// Any two versions of a source's schema side by side: the meaning-level changes from one to the other,
// then both JSON documents in two columns.
import { skipToken, useQuery } from "@tanstack/react-query";
import { GitCompare } from "lucide-react";
import { type FormEvent, useState } from "react";
import { QueryError } from "@/components/query-error";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
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
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCompared({ from, to });
  };
  const options = versions.map((v) => (
    <option key={v} value={v}>
      Version {v}
    </option>
  ));
  return (
    <div className="space-y-4">
      <form onSubmit={submit} className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <Select
          label="From version"
          value={from}
          onChange={(e) => setFrom(Number(e.target.value))}
          className="sm:w-40"
        >
          {options}
        </Select>
        <Select
          label="To version"
          value={to}
          onChange={(e) => setTo(Number(e.target.value))}
          className="sm:w-40"
        >
          {options}
        </Select>
        <Button type="submit" variant="secondary" icon={<GitCompare className="size-4" aria-hidden="true" />}>
          Compare
        </Button>
      </form>
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
