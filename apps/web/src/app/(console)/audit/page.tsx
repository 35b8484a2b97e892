// Audit: who changed what, and when.
import type { Metadata } from "next";
import { Suspense } from "react";
import { AuditView } from "@/components/audit/audit-view";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Audit" };

export default function AuditPage() {
  return (
    <SectionGate section="audit">
      {/* useSearchParams needs a Suspense boundary to prerender the page. */}
      <Suspense>
        <AuditView />
      </Suspense>
    </SectionGate>
  );
}
