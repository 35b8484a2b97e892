// Which console sections each role may use. The server decides; the console only renders it.
import type { Role } from "@inlet/db";

export const SECTIONS = [
  "overview",
  "sources",
  "tables",
  "queries",
  "policies",
  "dead-letters",
  "audit",
] as const;
export type Section = (typeof SECTIONS)[number];

export const SECTION_ROLES: Record<Section, readonly Role[]> = {
  overview: ["admin", "engineer", "governance", "analyst", "oncall"],
  sources: ["admin", "engineer", "oncall"],
  tables: ["admin", "engineer", "governance", "analyst", "oncall"],
  queries: ["admin", "engineer", "analyst"],
  policies: ["admin", "governance"],
  "dead-letters": ["admin", "engineer", "oncall"],
  audit: ["admin", "governance"],
};

export function sectionsFor(roles: readonly Role[]): Section[] {
  return SECTIONS.filter((s) => SECTION_ROLES[s].some((r) => roles.includes(r)));
}
