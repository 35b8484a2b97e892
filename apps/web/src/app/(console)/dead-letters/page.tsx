// Dead letters: rejected events awaiting a fix or replay (not built yet).
import { Inbox } from "lucide-react";
import type { Metadata } from "next";
import { ComingSoon } from "@/components/coming-soon";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Dead letters" };

export default function DeadLettersPage() {
  return (
    <SectionGate section="dead-letters">
      <ComingSoon
        title="Dead letters"
        description="Events the pipeline could not accept, with the reason why."
        icon={Inbox}
        notice="The dead-letter queue browser arrives in a later release. Until then, the open count is on the Overview."
        plans={[
          "Filter rejected events by source and reason, and inspect each payload.",
          "Fix a payload and replay it, or replay thousands at once.",
          "Follow each replay through to the curated zone, never duplicated.",
        ]}
      />
    </SectionGate>
  );
}
