// Tables: the lake's tables by zone; `?table=` opens one, as /tables/{name} does.
import type { Metadata } from "next";
import { Suspense } from "react";
import { SectionGate } from "@/components/section-gate";
import { TablesView } from "@/components/tables/tables-view";

export const metadata: Metadata = { title: "Tables" };

export default function TablesPage() {
  return (
    <SectionGate section="tables">
      {/* useSearchParams needs a Suspense boundary to prerender the page. */}
      <Suspense>
        <TablesView />
      </Suspense>
    </SectionGate>
  );
}
