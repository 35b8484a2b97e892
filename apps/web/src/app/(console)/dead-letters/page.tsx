// Dead letters: rejected events and bodies with their reasons and payloads.
import type { Metadata } from "next";
import { Suspense } from "react";
import { DeadLettersView } from "@/components/dead-letters/dead-letters-view";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Dead letters" };

export default function DeadLettersPage() {
  return (
    <SectionGate section="dead-letters">
      {/* useSearchParams needs a Suspense boundary to prerender the page. */}
      <Suspense>
        <DeadLettersView />
      </Suspense>
    </SectionGate>
  );
}
