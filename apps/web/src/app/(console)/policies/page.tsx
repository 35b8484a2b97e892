// Policies: each table's column rules, tags and row filters per role, previewed as a role and saved
// with a reason (governance staff and admins).
import type { Metadata } from "next";
import { Suspense } from "react";
import { PoliciesView } from "@/components/policies/policies-view";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Policies" };

export default function PoliciesPage() {
  return (
    <SectionGate section="policies">
      {/* The table and tab are read with useSearchParams, which needs a Suspense boundary. */}
      <Suspense>
        <PoliciesView />
      </Suspense>
    </SectionGate>
  );
}
