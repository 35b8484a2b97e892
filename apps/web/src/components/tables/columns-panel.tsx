"use client";
// A table's columns as the query engine sees them (name and type, in order), and what it is
// partitioned by; and the empty state of a table nothing was committed to yet.
import { Columns3, Inbox } from "lucide-react";
import { DataTable, type ListQuery } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";

export function NoDataYet() {
  return (
    <EmptyState
      icon={Inbox}
      title="No data yet: events appear after the first commit"
      description="The workers commit accepted events within seconds of their arrival; each commit is a new snapshot."
    />
  );
}

export function ColumnsPanel({
  name,
  columns,
  partitionBy,
  query,
}: {
  name: string;
  columns: { name: string; type: string }[];
  partitionBy: string[];
  query: ListQuery;
}) {
  const rows = columns.map((c, index) => ({ ...c, position: index + 1 }));
  return (
    <>
      <DataTable
        label={`Columns of ${name}`}
        loadingLabel="Loading columns"
        sectionLabel="Tables"
        query={query}
        rows={rows}
        rowKey={(c) => c.name}
        empty={{ icon: Columns3, title: "No columns", description: "The table's schema declares none yet." }}
        columns={[
          {
            header: "#",
            className: "w-12 text-right",
            cellClassName: "tabular-nums text-gray-400",
            cell: (c) => c.position,
          },
          { header: "Column", cellClassName: "font-mono text-xs text-gray-900", cell: (c) => c.name },
          { header: "Type", cellClassName: "font-mono text-xs", cell: (c) => c.type },
        ]}
      />
      {partitionBy.length > 0 ? (
        <p className="border-gray-100 border-t px-5 py-3 text-gray-500 text-xs">
          Files are partitioned by <span className="font-mono">{partitionBy.join(", ")}</span>
          {partitionBy[0] === "dt" ? " (dt is the event date, UTC)" : ""}; columns whose names start with _
          are added by Inlet (event id, time, ingest time, batch).
        </p>
      ) : null}
    </>
  );
}
