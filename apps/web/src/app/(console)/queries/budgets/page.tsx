// Query budgets: bytes-scanned limits per role, per query and per day (admins).
import type { Metadata } from "next";
import { BudgetsView } from "@/components/queries/budgets-view";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Query budgets" };

export default function QueryBudgetsPage() {
  return (
    <SectionGate section="queries">
      <BudgetsView />
    </SectionGate>
  );
}
