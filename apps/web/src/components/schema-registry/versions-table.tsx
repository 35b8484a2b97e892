// A source's schema versions, newest first: who registered each, when, under which mode, and which is active.
import { FileJson } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { DataTable, type ListQuery } from "@/components/ui/data-table";
import { formatDateTime } from "@/lib/format";
import { modeName } from "./compatibility-modes";
import type { SchemaVersionRow } from "./schema-registry-outputs";

export function VersionsTable({
  query,
  versions,
}: {
  query: ListQuery;
  versions: readonly SchemaVersionRow[] | undefined;
}) {
  return (
    <DataTable
      label="Schema versions"
      loadingLabel="Loading schema versions"
      sectionLabel="Sources"
      query={query}
      rows={versions}
      rowKey={(v) => String(v.version)}
      empty={{
        icon: FileJson,
        title: "No schema versions",
        description: "This source is schemaless: each event's payload is kept whole in the _payload column.",
      }}
      columns={[
        { header: "Version", cell: (v) => <span className="font-medium tabular-nums">{v.version}</span> },
        {
          header: "Created by",
          cell: (v) => v.createdBy ?? <span className="text-gray-400">Not recorded</span>,
          className: "max-w-56 truncate",
          cellTitle: (v) => v.createdBy ?? undefined,
        },
        { header: "Created", cell: (v) => formatDateTime(v.createdAt), className: "whitespace-nowrap" },
        {
          header: "Mode",
          cell: (v) => <span className="font-mono text-xs">{modeName(v.compatibility)}</span>,
        },
        {
          header: "Status",
          cell: (v) =>
            v.active ? (
              <Badge tone="success" dot>
                Active
              </Badge>
            ) : (
              <span className="text-gray-400">—</span>
            ),
        },
      ]}
    />
  );
}
