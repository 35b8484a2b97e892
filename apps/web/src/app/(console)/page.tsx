// Overview: the lake's health at a glance.
import type { Metadata } from "next";
import { OverviewView } from "@/components/overview/overview-view";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Overview" };

export default function OverviewPage() {
  return (
    <SectionGate section="overview" landing>
      <OverviewView />
    </SectionGate>
  );
}
