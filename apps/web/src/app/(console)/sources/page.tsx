// Sources: where events come in.
import type { Metadata } from "next";
import { SectionGate } from "@/components/section-gate";
import { SourcesView } from "@/components/sources/sources-view";

export const metadata: Metadata = { title: "Sources" };

export default function SourcesPage() {
  return (
    <SectionGate section="sources">
      <SourcesView />
    </SectionGate>
  );
}
