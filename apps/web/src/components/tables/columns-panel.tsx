"use client";
// A table's columns as the query engine sees them (name and type, in order), what the reader's column
// rules make of each (hidden, masked or hashed for them), and what the table is partitioned by; and the
// empty state of a table nothing was committed to yet.
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
  columns: { name: string; type: string; forYou?: "allow" | "mask" | "hash" | "deny" }[];
  partitionBy: string[];
  query: ListQuery;
}) {
  const rows = columns.map((c, index) => ({ ...c, position: index + 1 }));
  const restricted = columns.some((c) => c.forYou !== undefined && c.forYou !== "allow");
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
          ...(restricted
            ? [
                {
                  header: "For you",
                  cellClassName: "text-xs",
                  cell: (c: (typeof rows)[number]) => <ForYou rule={c.forYou} />,
                },
              ]
            : []),
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

const FOR_YOU: Record<"mask" | "hash" | "deny", { text: string; title: string; className: string }> = {
  deny: {
    text: "Hidden from you",
    title: "A column rule hides it from your roles: your queries cannot name it",
    className: "bg-red-50 text-red-800 ring-red-200",
  },
  mask: {
    text: "Masked",
    title: "A column rule masks it for your roles: your queries see **** in its place",
    className: "bg-amber-50 text-amber-800 ring-amber-200",
  },
  hash: {
    text: "Hashed",
    title: "A column rule hashes it for your roles: equal values hash equally, so joins still work",
    className: "bg-sky-50 text-sky-800 ring-sky-200",
  },
};

function ForYou({ rule }: { rule: "allow" | "mask" | "hash" | "deny" | undefined }) {
  if (rule === undefined || rule === "allow") return null;
  const shown = FOR_YOU[rule];
  return (
    <span
      title={shown.title}
      className={`inline-flex rounded px-1.5 py-0.5 font-medium ring-1 ring-inset ${shown.className}`}
    >
      {shown.text}
    </span>
  );
}
