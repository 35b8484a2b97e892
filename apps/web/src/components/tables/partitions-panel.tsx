"use client";
// A table's partitions at its current snapshot, newest first, with rows, bytes, files and the event
// times they span; paged (later pages stay at the snapshot the first one read).
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { FolderTree } from "lucide-react";
import { DataTable } from "@/components/ui/data-table";
import { formatBytes, formatCount, formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

const PAGE_SIZE = 50;

export function PartitionsPanel({ name }: { name: string }) {
  const trpc = useTRPC();
  const partitions = useInfiniteQuery(
    trpc.tables.partitions.infiniteQueryOptions(
      { name, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const first = partitions.data?.pages[0];
  const rows = (partitions.data?.pages ?? []).flatMap((page) => (page.kind === "table" ? page.items : []));
  const snapshot = first?.kind === "table" ? first.snapshot : undefined;
  return (
    <DataTable
      label={`Partitions of ${name}`}
      loadingLabel="Loading partitions"
      sectionLabel="Tables"
      query={partitions}
      rows={rows}
      rowKey={(p) => p.partition}
      empty={{
        icon: FolderTree,
        title: "No partitions",
        description: "The current snapshot holds no files.",
      }}
      paging={{
        summary: `${formatCount(rows.length)} of ${formatCount(first?.total ?? rows.length)} partitions${
          snapshot !== undefined ? ` · snapshot ${formatCount(snapshot)}` : ""
        }`,
        failedMessage: "Couldn't load more partitions.",
      }}
      columns={[
        { header: "Partition", cellClassName: "font-mono text-xs text-gray-900", cell: (p) => p.partition },
        {
          header: "Rows",
          className: "text-right",
          cellClassName: "tabular-nums",
          // Null when a row filter hides some of the table's rows from this reader.
          cell: (p) =>
            p.rows === null ? (
              <span className="text-gray-400" title="A row filter hides some rows from you">
                —
              </span>
            ) : (
              formatCount(p.rows)
            ),
        },
        {
          header: "Size",
          className: "hidden text-right sm:table-cell",
          cellClassName: "tabular-nums",
          cell: (p) => formatBytes(p.bytes),
        },
        {
          header: "Files",
          className: "text-right",
          cellClassName: "tabular-nums",
          cell: (p) => formatCount(p.files),
        },
        {
          header: "Event times",
          className: "hidden md:table-cell",
          cellClassName: "whitespace-nowrap text-gray-500 text-xs tabular-nums",
          cell: (p) =>
            p.minEventTime && p.maxEventTime ? (
              <>
                {formatDateTime(p.minEventTime)} – {formatDateTime(p.maxEventTime)}
              </>
            ) : (
              "—"
            ),
        },
      ]}
    />
  );
}
