// One table of the lake (or a source's raw zone, raw.{slug}): columns, partitions, snapshots, preview.
import type { Metadata } from "next";
import { Suspense } from "react";
import { SectionGate } from "@/components/section-gate";
import { TableDetailView } from "@/components/tables/table-detail-view";

export const metadata: Metadata = { title: "Table" };

export default async function TablePage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return (
    <SectionGate section="tables">
      {/* The open tab is read with useSearchParams, which needs a Suspense boundary. */}
      <Suspense>
        <TableDetailView name={decodeURIComponent(name)} />
      </Suspense>
    </SectionGate>
  );
}
