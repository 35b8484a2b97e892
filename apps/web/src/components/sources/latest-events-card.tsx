"use client";
// A source's latest events as they landed in curated (read through the API's LakeReader, where access
// policies apply), newest first, refreshed every 10 seconds.
import { useQuery } from "@tanstack/react-query";
import { Inbox } from "lucide-react";
import { useId } from "react";
import { cellText as tableCellText } from "@/components/tables/cell-value";
import { Card, CardHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn } from "@/components/ui/data-table";
import { useTRPC } from "@/lib/trpc";
import { LIVE_REFRESH_MS } from "./ingest-rate-card";

const LATEST_ROWS = 20;
/** Cells longer than this are cut; the whole value is in the cell's title. */
const CELL_CHARS = 60;

type Row = Record<string, unknown>;

/** A cell's whole value as text, as a table preview writes it (a double without its binary noise), "—" for null. */
export function cellText(value: unknown): string {
  return tableCellText(value) ?? "—";
}

export function shorten(text: string, max = CELL_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function LatestEventsCard({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const titleId = useId();
  const latest = useQuery({
    ...trpc.sources.latestEvents.queryOptions({ slug, limit: LATEST_ROWS }),
    refetchInterval: LIVE_REFRESH_MS,
  });
  const rows = (latest.data?.rows ?? []) as Row[];
  const columns: DataTableColumn<Row>[] = (latest.data?.columns ?? []).map((c) => ({
    header: c.name,
    cellClassName: "whitespace-nowrap font-mono text-xs",
    cellTitle: (row) => {
      const text = cellText(row[c.name]);
      return text.length > CELL_CHARS ? text : undefined;
    },
    cell: (row) => shorten(cellText(row[c.name])),
  }));

  return (
    <Card role="region" aria-labelledby={titleId}>
      <CardHeader
        title={<span id={titleId}>Latest events</span>}
        description={`The newest ${LATEST_ROWS} events as they landed in curated (${latest.data?.table ?? `curated.${slug}`}), newest first; refreshed every 10 seconds.`}
      />
      <DataTable
        label="Latest events"
        loadingLabel="Loading latest events"
        query={latest}
        rows={rows}
        rowKey={(row) => `${cellText(row._event_id)}|${cellText(row._batch_id)}`}
        columns={columns.length > 0 ? columns : [{ header: "Event", cell: () => null }]}
        empty={{
          icon: Inbox,
          title: "No events yet — send one with the curl command above or the Send a test event button",
        }}
      />
    </Card>
  );
}
