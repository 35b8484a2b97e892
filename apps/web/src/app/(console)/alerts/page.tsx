// Alerts: what fires now, what fired before, and the rules and webhook behind them.
import type { Metadata } from "next";
import { AlertsView } from "@/components/alerts/alerts-view";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Alerts" };

export default function AlertsPage() {
  return (
    <SectionGate section="alerts">
      <AlertsView />
    </SectionGate>
  );
}
