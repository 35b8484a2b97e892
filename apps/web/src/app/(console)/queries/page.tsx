// Queries: the SQL workspace, starting a new query.
import type { Metadata } from "next";
import { QueryWorkspace } from "@/components/queries/query-workspace";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Queries" };

export default function QueriesPage() {
  return (
    <SectionGate section="queries">
      <QueryWorkspace />
    </SectionGate>
  );
}
