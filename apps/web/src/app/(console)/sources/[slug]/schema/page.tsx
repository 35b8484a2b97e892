// A source's schema registry: versions, compatibility mode, comparing versions, registering the next one.
import type { Metadata } from "next";
import { SchemaRegistryView } from "@/components/schema-registry/schema-registry-view";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Schema registry" };

export default async function SchemaRegistryPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return (
    <SectionGate section="sources">
      <SchemaRegistryView slug={decodeURIComponent(slug)} />
    </SectionGate>
  );
}
