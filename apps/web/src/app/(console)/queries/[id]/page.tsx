// A saved query opened by its address, in the SQL workspace.
import type { Metadata } from "next";
import { QueryWorkspace } from "@/components/queries/query-workspace";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Saved query" };

export default async function SavedQueryPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <SectionGate section="queries">
      <QueryWorkspace savedQueryId={decodeURIComponent(id)} />
    </SectionGate>
  );
}
