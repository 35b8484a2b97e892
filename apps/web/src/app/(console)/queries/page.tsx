// Queries: the SQL workspace (not built yet).
import { SquareTerminal } from "lucide-react";
import type { Metadata } from "next";
import { ComingSoon } from "@/components/coming-soon";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Queries" };

export default function QueriesPage() {
  return (
    <SectionGate section="queries">
      <ComingSoon
        title="Queries"
        description="Ask the lake questions in SQL."
        icon={SquareTerminal}
        notice="The SQL workspace arrives in a later release."
        plans={[
          "Write SQL against the curated and analytics tables, with your column policies applied.",
          "Save queries and re-run them.",
          "See rows, a chart, bytes scanned and cost for every run.",
        ]}
      />
    </SectionGate>
  );
}
