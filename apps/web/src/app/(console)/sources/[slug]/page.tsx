// One source: how to send to it, its API keys, and pausing or resuming its ingest.
import type { Metadata } from "next";
import { SectionGate } from "@/components/section-gate";
import { SourceDetailView } from "@/components/sources/source-detail-view";

export const metadata: Metadata = { title: "Source" };

export default async function SourcePage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return (
    <SectionGate section="sources">
      <SourceDetailView slug={decodeURIComponent(slug)} />
    </SectionGate>
  );
}
