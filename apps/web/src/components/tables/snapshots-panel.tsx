"use client";
// A table's snapshots, newest first: when, what kind of commit, rows and files it added or removed, and
// what committed it (the batches of an append, the files a compaction merged, a retention's partitions).
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { History } from "lucide-react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { DataTable } from "@/components/ui/data-table";
import { formatCount, formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import {
  batchesNotListed,
  describeCommit,
  OPERATION_LABELS,
  type SnapshotOperation,
} from "./snapshot-commit";

const PAGE_SIZE = 50;
const BATCH_IDS_INLINE = 3;

const OPERATION_TONES: Record<SnapshotOperation, BadgeTone> = {
  append: "success",
  compact: "accent",
  retention: "warning",
  replay: "neutral",
  refresh: "accent",
  reprocess: "warning",
};

export function SnapshotsPanel({ name }: { name: string }) {
  const trpc = useTRPC();
  const snapshots = useInfiniteQuery(
    trpc.tables.snapshots.infiniteQueryOptions(
      { name, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const rows = snapshots.data?.pages.flatMap((page) => page.items) ?? [];
  const total = snapshots.data?.pages[0]?.total ?? rows.length;
  return (
    <DataTable
      label={`Snapshots of ${name}`}
      loadingLabel="Loading snapshots"
      sectionLabel="Tables"
      query={snapshots}
      rows={rows}
      rowKey={(s) => String(s.seq)}
      empty={{
        icon: History,
        title: "No snapshots",
        description: "Nothing has been committed to this table.",
      }}
      paging={{
        summary: `${formatCount(rows.length)} of ${formatCount(total)} snapshots`,
        failedMessage: "Couldn't load more snapshots.",
      }}
      columns={[
        {
          header: "Snapshot",
          className: "text-right",
          cellClassName: "tabular-nums font-mono text-xs text-gray-900",
          cell: (s) => s.seq,
        },
        {
          header: "Committed",
          cellClassName: "whitespace-nowrap text-gray-500 tabular-nums",
          cell: (s) => formatDateTime(s.createdAt),
        },
        {
          header: "Operation",
          cell: (s) => <Badge tone={OPERATION_TONES[s.operation]}>{OPERATION_LABELS[s.operation]}</Badge>,
        },
        {
          header: "Rows added",
          className: "text-right",
          cellClassName: "tabular-nums",
          cell: (s) =>
            s.operation === "append" ||
            s.operation === "replay" ||
            s.operation === "refresh" ||
            s.operation === "reprocess" ? (
              formatCount(s.addedRows)
            ) : (
              <span
                className="text-gray-400"
                title={
                  s.operation === "compact"
                    ? `${formatCount(s.addedRows)} rows rewritten, none added`
                    : undefined
                }
              >
                —
              </span>
            ),
        },
        {
          header: "Files",
          className: "text-right",
          cellClassName: "whitespace-nowrap tabular-nums",
          cell: (s) => (
            <>
              <span aria-hidden="true">
                <span className="text-emerald-700">+{formatCount(s.addedFiles)}</span>{" "}
                <span className="text-red-700">−{formatCount(s.removedFiles)}</span>
              </span>
              <span className="sr-only">
                {formatCount(s.addedFiles)} added, {formatCount(s.removedFiles)} removed
              </span>
            </>
          ),
        },
        {
          header: "Committed by",
          cellClassName: "max-w-sm",
          cell: (s) => {
            const shown = s.batchIds.slice(0, BATCH_IDS_INLINE);
            const more = s.batchCount - shown.length;
            return (
              <>
                <div className="text-gray-800 text-sm">{describeCommit(s)}</div>
                {shown.length > 0 ? (
                  <div
                    className="truncate font-mono text-gray-500 text-xs"
                    title={`${s.batchIds.join("\n")}${batchesNotListed(s) > 0 ? `\n… ${formatCount(batchesNotListed(s))} more` : ""}`}
                  >
                    {shown.join(", ")}
                    {more > 0 ? ` +${formatCount(more)} more` : ""}
                  </div>
                ) : null}
              </>
            );
          },
        },
      ]}
    />
  );
}
