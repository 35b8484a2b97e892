// The roles a person can hold, in the order they are seeded and listed, and how each is labelled.
// No imports: the console's browser bundle takes this module through `@inlet/db/roles` without Prisma.

export const ROLES = ["admin", "engineer", "governance", "analyst", "oncall"] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: "Admin",
  engineer: "Engineer",
  governance: "Governance",
  analyst: "Analyst",
  oncall: "On-call",
};
