// Policies: column rules and row filters (not built yet).
import { ShieldCheck } from "lucide-react";
import type { Metadata } from "next";
import { ComingSoon } from "@/components/coming-soon";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Policies" };

export default function PoliciesPage() {
  return (
    <SectionGate section="policies">
      <ComingSoon
        title="Policies"
        description="Who may see which columns and rows."
        icon={ShieldCheck}
        notice="Policy editing arrives in a later release."
        plans={[
          "Set a rule per table, role and column: allow, deny, mask or hash.",
          "Add row filters that limit what a role can read.",
          "Preview a table as a role sees it before saving; every change lands in the audit log.",
        ]}
      />
    </SectionGate>
  );
}
