"use client";
// The newest rows of a table's current snapshot (at most 100), read through the API's LakeReader with
// the viewer's access policies, and how many rows the snapshot holds in all.
import { useQuery } from "@tanstack/react-query";
import { Eye } from "lucide-react";
import { DataTable } from "@/components/ui/data-table";
import { formatCount } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { cellText, shortCellText } from "./cell-value";

type Row = Record<string, unknown>;

export function previewSummary(p: {
  shown: number;
  totalRows: number | null;
  truncated: boolean;
  snapshot: number;
}): string {
  const rows = `${formatCount(p.shown)} ${p.shown === 1 ? "row" : "rows"}`;
  const at = `snapshot ${formatCount(p.snapshot)}`;
  if (p.totalRows !== null) {
    return p.truncated || p.totalRows > p.shown
      ? `Showing the ${rows === "1 row" ? "newest row" : `newest ${rows}`} of ${formatCount(p.totalRows)} (${at}).`
      : p.shown === 1
        ? `Showing the table's one row (${at}).`
        : `Showing all ${rows} (${at}).`;
  }
  return p.truncated
    ? `Showing the newest ${rows} of ${at}; the table has more.`
    : `Showing ${rows} (${at}).`;
}

export function PreviewPanel({ name }: { name: string }) {
  const trpc = useTRPC();
  const preview = useQuery(trpc.tables.preview.queryOptions({ table: name }));
  const data = preview.data;
  const rows: { key: string; row: Row }[] = (data?.rows ?? []).map((row, index) => ({
    key: String(index),
    row: row as Row,
  }));
  return (
    <>
      {data ? (
        <p role="status" className="border-gray-100 border-b px-5 py-2.5 text-gray-600 text-xs">
          {previewSummary({
            shown: data.rows.length,
            totalRows: data.totalRows,
            truncated: data.truncated,
            snapshot: data.snapshot,
          })}{" "}
          {name.startsWith("analytics.")
            ? "Your access policies apply."
            : "Newest event time first; your access policies apply."}
        </p>
      ) : null}
      <DataTable
        label={`Preview of ${name}`}
        loadingLabel="Loading preview"
        sectionLabel="Tables"
        query={preview}
        rows={rows}
        rowKey={(r) => r.key}
        empty={{
          icon: Eye,
          title: "No rows",
          description: data?.rowFiltered
            ? "Your row filter admits none of the current snapshot's rows."
            : "The current snapshot holds no rows.",
        }}
        columns={(data?.columns ?? [{ name: "…", type: "" }]).map((column) => ({
          header: column.name,
          headerClassName: "normal-case! font-mono tracking-normal!",
          cellClassName: "max-w-xs truncate whitespace-nowrap font-mono text-xs",
          cellTitle: (r: { row: Row }) => cellText(r.row[column.name]) ?? "NULL",
          cell: (r: { row: Row }) => {
            const text = cellText(r.row[column.name]);
            return text === null ? <span className="text-gray-400">NULL</span> : shortCellText(text);
          },
        }))}
      />
    </>
  );
}
