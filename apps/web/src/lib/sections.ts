// The console's sections: route, navigation label and icon. Which ones a user may open is the API's call (`me.sections`).

import type { AppRouter } from "@inlet/api/router";
import type { inferRouterOutputs } from "@trpc/server";
import {
  Activity,
  BellRing,
  Inbox,
  LayoutDashboard,
  type LucideIcon,
  Plug,
  ScrollText,
  ShieldCheck,
  SquareTerminal,
  Table2,
} from "lucide-react";

/** The API decides the section names (and which a user may open); the console only renders them. */
export type Section = inferRouterOutputs<AppRouter>["me"]["sections"][number];

export interface SectionInfo {
  id: Section;
  label: string;
  href: string;
  icon: LucideIcon;
}

export const SECTION_INFO: Record<Section, SectionInfo> = {
  overview: { id: "overview", label: "Overview", href: "/", icon: LayoutDashboard },
  operations: { id: "operations", label: "Operations", href: "/operations", icon: Activity },
  sources: { id: "sources", label: "Sources", href: "/sources", icon: Plug },
  tables: { id: "tables", label: "Tables", href: "/tables", icon: Table2 },
  queries: { id: "queries", label: "Queries", href: "/queries", icon: SquareTerminal },
  policies: { id: "policies", label: "Policies", href: "/policies", icon: ShieldCheck },
  "dead-letters": { id: "dead-letters", label: "Dead letters", href: "/dead-letters", icon: Inbox },
  alerts: { id: "alerts", label: "Alerts", href: "/alerts", icon: BellRing },
  audit: { id: "audit", label: "Audit", href: "/audit", icon: ScrollText },
};

/** Navigation order: the order of SECTION_INFO. */
const SECTIONS = Object.keys(SECTION_INFO) as Section[];

/** The sections in navigation order, limited to those the server allows. */
export function orderedSections(allowed: readonly Section[]): SectionInfo[] {
  return SECTIONS.filter((id) => allowed.includes(id)).map((id) => SECTION_INFO[id]);
}

/** The section a pathname belongs to, or undefined outside the console's sections. */
export function sectionForPath(pathname: string): Section | undefined {
  if (pathname === "/") return "overview";
  return SECTIONS.find(
    (id) =>
      id !== "overview" &&
      (pathname === SECTION_INFO[id].href || pathname.startsWith(`${SECTION_INFO[id].href}/`)),
  );
}
