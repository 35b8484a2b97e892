// Registering a new source: a short wizard from a name and a schema (or a sample) to an ingest URL and key.
import type { Metadata } from "next";
import { SectionGate } from "@/components/section-gate";
import { NewSourceWizard } from "@/components/sources/new-source/new-source-wizard";

export const metadata: Metadata = { title: "New source" };

export default function NewSourcePage() {
  return (
    <SectionGate section="sources">
      <NewSourceWizard />
    </SectionGate>
  );
}
