// Tables: the lake's tables (not built yet).
import { Table2 } from "lucide-react";
import type { Metadata } from "next";
import { ComingSoon } from "@/components/coming-soon";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Tables" };

export default function TablesPage() {
  return (
    <SectionGate section="tables">
      <ComingSoon
        title="Tables"
        description="The raw, curated and analytics tables in the lake."
        icon={Table2}
        notice="The table browser arrives in a later release."
        plans={[
          "List every table by zone with its partitioning, row count and size.",
          "Show a table's snapshots and the data files each one committed.",
          "Preview rows under your own access policies.",
        ]}
      />
    </SectionGate>
  );
}
