"use client";
// A saved query's versions: who saved each and when, any two compared (the fields that changed and the
// SQL line by line), and an older one restored as a new version (owners and admins).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import { History } from "lucide-react";
import { useState } from "react";
import { QueryError } from "@/components/query-error";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ModalDialog } from "@/components/ui/modal-dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TBody, Td, THead, Th, Tr } from "@/components/ui/table";
import { VersionRangeForm } from "@/components/ui/version-range-form";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";
import type { SavedQuery } from "./saved-query-types";

const FIELD_LABELS: Record<string, string> = {
  name: "Name",
  description: "Description",
  folder: "Folder",
  parameters: "Parameters",
  chart: "Chart",
};

function shown(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function VersionDiff({ id, from, to }: { id: string; from: number; to: number }) {
  const trpc = useTRPC();
  const diff = useQuery(trpc.savedQueries.diff.queryOptions({ id, from, to }));
  if (diff.isPending) {
    return (
      <div role="status" aria-busy="true" aria-label="Comparing versions" className="space-y-2">
        <Skeleton className="h-4 w-1/2" />
        <Skeleton className="h-24 w-full" />
      </div>
    );
  }
  if (diff.isError) {
    return (
      <QueryError
        error={diff.error}
        sectionLabel="Queries"
        onRetry={() => void diff.refetch()}
        retrying={diff.isFetching}
      />
    );
  }
  const d = diff.data;
  return (
    <section aria-label={`Changes from version ${from} to version ${to}`} className="space-y-3">
      {d.fields.length === 0 && !d.sqlChanged ? (
        <p className="text-gray-600 text-sm">These versions are the same.</p>
      ) : null}
      {d.fields.length > 0 ? (
        <ul className="space-y-1 text-sm">
          {d.fields.map((f) => (
            <li key={f.field}>
              <span className="font-medium text-gray-700">{FIELD_LABELS[f.field] ?? f.field}:</span>{" "}
              <del className="break-all bg-red-50 font-mono text-red-800 text-xs">{shown(f.from)}</del> →{" "}
              <ins className="break-all bg-emerald-50 font-mono text-emerald-800 text-xs no-underline">
                {shown(f.to)}
              </ins>
            </li>
          ))}
        </ul>
      ) : null}
      {d.sqlChanged ? (
        <div>
          <h3 className="font-medium text-gray-700 text-sm">SQL</h3>
          <pre className="mt-1 max-h-72 overflow-auto rounded-md border border-gray-200 bg-gray-50 py-1 font-mono text-xs">
            {d.sql.map((line, i) => (
              <div
                // Lines repeat; their place in the diff is what identifies them.
                // biome-ignore lint/suspicious/noArrayIndexKey: a diff's lines have no other identity
                key={i}
                className={clsx(
                  "px-2 whitespace-pre-wrap",
                  line.kind === "added" && "bg-emerald-50 text-emerald-900",
                  line.kind === "removed" && "bg-red-50 text-red-900",
                )}
              >
                <span aria-hidden="true" className="mr-2 inline-block w-3 select-none text-gray-400">
                  {line.kind === "added" ? "+" : line.kind === "removed" ? "−" : " "}
                </span>
                <span className="sr-only">
                  {line.kind === "added" ? "Added: " : line.kind === "removed" ? "Removed: " : ""}
                </span>
                {line.text || " "}
              </div>
            ))}
          </pre>
        </div>
      ) : null}
    </section>
  );
}

function VersionsBody({ query, onRestored }: { query: SavedQuery; onRestored: (saved: SavedQuery) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const versions = useQuery(trpc.savedQueries.versions.queryOptions({ id: query.id }));
  const list = versions.data?.versions ?? query.versions;
  const latest = list[0]?.version ?? query.version;
  const [from, setFrom] = useState(Math.max(1, latest - 1));
  const [to, setTo] = useState(latest);
  const [compare, setCompare] = useState<{ from: number; to: number } | undefined>(undefined);
  const [confirming, setConfirming] = useState<number | undefined>(undefined);
  const restore = useMutation(
    trpc.savedQueries.restore.mutationOptions({
      onSuccess: (saved) => {
        queryClient.setQueryData(trpc.savedQueries.get.queryKey({ id: saved.id }), saved);
        void queryClient.invalidateQueries({
          queryKey: trpc.savedQueries.versions.queryKey({ id: saved.id }),
        });
        void queryClient.invalidateQueries({ queryKey: trpc.savedQueries.list.queryKey() });
        setConfirming(undefined);
        onRestored(saved);
      },
    }),
  );

  return (
    <div className="space-y-4">
      {versions.isError ? (
        <p role="alert" className="text-red-700 text-sm">
          {describeError(versions.error)}
        </p>
      ) : null}
      <div className="max-h-64 overflow-y-auto rounded-md border border-gray-200">
        <Table aria-label="Versions">
          <THead>
            <tr>
              <Th>Version</Th>
              <Th>Saved by</Th>
              <Th>When</Th>
              <Th>Name</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </THead>
          <TBody>
            {list.map((v) => (
              <Tr key={v.version}>
                <Td className="tabular-nums">
                  {v.version} {v.version === latest ? <Badge tone="accent">current</Badge> : null}
                </Td>
                <Td>{v.createdBy ?? "—"}</Td>
                <Td className="whitespace-nowrap">{formatDateTime(new Date(v.createdAt))}</Td>
                <Td className="max-w-48 truncate" title={v.folder ? `${v.folder}/${v.name}` : v.name}>
                  {v.folder ? <span className="text-gray-400">{v.folder}/</span> : null}
                  {v.name}
                </Td>
                <Td className="text-right">
                  {query.canEdit && v.version !== latest ? (
                    confirming === v.version ? (
                      <span className="inline-flex items-center gap-1.5">
                        <Button
                          size="sm"
                          loading={restore.isPending}
                          onClick={() => restore.mutate({ id: query.id, version: v.version })}
                        >
                          Restore as version {latest + 1}
                        </Button>
                        <Button size="sm" variant="ghost" onClick={() => setConfirming(undefined)}>
                          Keep
                        </Button>
                      </span>
                    ) : (
                      <Button size="sm" variant="secondary" onClick={() => setConfirming(v.version)}>
                        Restore version {v.version}
                      </Button>
                    )
                  ) : null}
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      </div>
      {restore.isError ? (
        <p role="alert" className="text-red-700 text-sm">
          {describeError(restore.error)}
        </p>
      ) : null}
      {list.length > 1 ? (
        <VersionRangeForm
          versions={list.map((v) => v.version)}
          from={from}
          to={to}
          onFromChange={setFrom}
          onToChange={setTo}
          onCompare={setCompare}
          className="flex flex-wrap items-end gap-3"
          selectClassName="w-32"
        />
      ) : (
        <p className="text-gray-500 text-sm">There is one version so far; each save adds another.</p>
      )}
      {compare ? <VersionDiff id={query.id} from={compare.from} to={compare.to} /> : null}
    </div>
  );
}

export function VersionsDialog({
  open,
  query,
  onClose,
  onRestored,
}: {
  open: boolean;
  query: SavedQuery;
  onClose: () => void;
  onRestored: (saved: SavedQuery) => void;
}) {
  return (
    <ModalDialog
      open={open}
      title={`Versions of ${query.name}`}
      description={
        <span className="inline-flex items-center gap-1">
          <History aria-hidden="true" className="size-3.5" /> Every save is kept; restoring writes a new
          version.
        </span>
      }
      onClose={onClose}
      width="max-w-3xl"
    >
      {open ? <VersionsBody query={query} onRestored={onRestored} /> : null}
    </ModalDialog>
  );
}
