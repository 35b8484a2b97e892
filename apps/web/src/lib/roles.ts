// The roles a console user can hold, as the API assigns them, and how each is labelled on screen.
export const ROLES = ["admin", "engineer", "governance", "analyst", "oncall"] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: "Admin",
  engineer: "Engineer",
  governance: "Governance",
  analyst: "Analyst",
  oncall: "On-call",
};
