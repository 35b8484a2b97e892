// A group's cause on one line: its source, reason, JSON pointer and schema version.
import { Badge } from "@/components/ui/badge";

export function GroupCause({
  source,
  reasonCode,
  path,
  schemaVersion,
}: {
  source: string | null;
  reasonCode: string;
  path: string | null;
  schemaVersion: number | null;
}) {
  return (
    <span className="inline-flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1">
      <span className="font-mono text-gray-900 text-xs">{source ?? "no source"}</span>
      <Badge tone="danger">{reasonCode}</Badge>
      <code
        className="max-w-[22rem] truncate rounded bg-gray-100 px-1.5 py-0.5 font-mono text-gray-800 text-xs"
        title={path === null ? "No JSON pointer" : `JSON pointer ${path || "(the whole event)"}`}
      >
        {path === null ? "no pointer" : path || "/ (whole event)"}
      </code>
      <span className="text-gray-500 text-xs">
        {schemaVersion === null ? "no schema" : `schema v${schemaVersion}`}
      </span>
    </span>
  );
}

/** The cause in words, for accessible names: "orders SCHEMA_VIOLATION at /amount, schema version 1". */
export function causeText(g: {
  source: string | null;
  reasonCode: string;
  path: string | null;
  schemaVersion: number | null;
}): string {
  const where = g.path === null ? "" : ` at ${g.path || "the whole event"}`;
  const version = g.schemaVersion === null ? "" : `, schema version ${g.schemaVersion}`;
  return `${g.source ?? "no source"} ${g.reasonCode}${where}${version}`;
}
