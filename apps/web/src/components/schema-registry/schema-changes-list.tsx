// A meaning-level list of what changed between two schema versions: per field, the kind of change
// (added, removed, retyped, newly required, enum values, …), what it is, and what it does to events.
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { SchemaChangeItem } from "./schema-registry-outputs";

const KINDS: Record<SchemaChangeItem["kind"], { label: string; tone: BadgeTone }> = {
  added: { label: "Added", tone: "success" },
  removed: { label: "Removed", tone: "danger" },
  retyped: { label: "Retyped", tone: "warning" },
  required: { label: "Newly required", tone: "warning" },
  optional: { label: "Now optional", tone: "accent" },
  enum: { label: "Allowed values", tone: "accent" },
  format: { label: "Format", tone: "neutral" },
  constraint: { label: "Constraint", tone: "neutral" },
};

const EFFECTS: Record<SchemaChangeItem["effect"], string> = {
  widens: "accepts more events",
  narrows: "accepts fewer events",
  changes: "accepts different events",
  neutral: "accepts the same events",
};

export function SchemaChangesList({
  changes,
  label,
}: {
  changes: readonly SchemaChangeItem[];
  label: string;
}) {
  if (changes.length === 0) {
    return (
      <p className="text-gray-500 text-sm">
        No changes in meaning: the versions accept the same events (descriptions and titles aside).
      </p>
    );
  }
  return (
    <ul aria-label={label} className="divide-y divide-gray-100 rounded-md ring-1 ring-gray-200 ring-inset">
      {changes.map((change) => (
        <li
          key={`${change.path}|${change.kind}|${change.keyword ?? ""}|${change.description}`}
          className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-3 py-2 text-sm"
        >
          <Badge tone={KINDS[change.kind].tone}>{KINDS[change.kind].label}</Badge>
          <span className="font-medium font-mono text-gray-900 text-xs">{change.field || "(the event)"}</span>
          <span className="text-gray-700">{change.description}</span>
          <span className="text-gray-500 text-xs">· {EFFECTS[change.effect]}</span>
        </li>
      ))}
    </ul>
  );
}
