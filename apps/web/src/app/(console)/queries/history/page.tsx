// Query history: every run, filtered and paged; analysts see their own, admins everyone's.
import type { Metadata } from "next";
import { QueryHistoryView } from "@/components/queries/query-history-view";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Query history" };

export default function QueryHistoryPage() {
  return (
    <SectionGate section="queries">
      <QueryHistoryView />
    </SectionGate>
  );
}
