// Says which sources a payload search left out: the reader's column rules restrict their tables, so
// searching their payloads could reveal what the rules hide.
import { Info } from "lucide-react";

export function SearchExcludedNote({ sources }: { sources: readonly string[] }) {
  if (sources.length === 0) return null;
  return (
    <p
      role="note"
      data-testid="dead-letter-search-excluded"
      className="flex items-start gap-2 border-gray-100 border-b bg-amber-50/60 px-5 py-2 text-amber-900 text-xs"
    >
      <Info aria-hidden="true" className="mt-px size-3.5 shrink-0" />
      <span>
        Payloads of {sources.join(", ")} were not searched: column rules on{" "}
        {sources.length === 1 ? "its table" : "their tables"} mask or hide fields from your roles, and a
        search could find what they hide.
      </span>
    </p>
  );
}
