// Which console sections each role may use. The server decides; the console only renders it.
import { ROLES, type Role } from "@inlet/db";

export const SECTIONS = [
  "overview",
  "operations",
  "sources",
  "tables",
  "queries",
  "policies",
  "dead-letters",
  "alerts",
  "audit",
] as const;
export type Section = (typeof SECTIONS)[number];

export const SECTION_ROLES: Record<Section, readonly Role[]> = {
  overview: ROLES,
  operations: ["admin", "engineer", "oncall"],
  sources: ["admin", "engineer", "oncall"],
  tables: ROLES,
  queries: ["admin", "engineer", "analyst"],
  policies: ["admin", "governance"],
  "dead-letters": ["admin", "engineer", "oncall"],
  alerts: ["admin", "engineer", "oncall"],
  audit: ["admin", "governance"],
};

export function sectionsFor(roles: readonly Role[]): Section[] {
  return SECTIONS.filter((s) => SECTION_ROLES[s].some((r) => roles.includes(r)));
}
