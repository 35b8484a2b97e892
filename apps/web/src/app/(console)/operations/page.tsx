// Operations: the on-call dashboard of sampled figures and cost.
import type { Metadata } from "next";
import { OperationsView } from "@/components/operations/operations-view";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Operations" };

export default function OperationsPage() {
  return (
    <SectionGate section="operations">
      <OperationsView />
    </SectionGate>
  );
}
