// Settings: the price sheet behind the Operations dashboard's cost (admins edit it).
import type { Metadata } from "next";
import { PriceSheetView } from "@/components/operations/price-sheet-view";
import { SectionGate } from "@/components/section-gate";

export const metadata: Metadata = { title: "Price sheet" };

export default function PriceSheetPage() {
  return (
    <SectionGate section="operations">
      <PriceSheetView />
    </SectionGate>
  );
}
