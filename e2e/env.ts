// Ports, paths and the seeded accounts the e2e suite runs with (its own, so it never meets `npm start`'s).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROLES, type Role } from "@inlet/db/roles";

const here = dirname(fileURLToPath(import.meta.url));
const webPort = process.env.E2E_WEB_PORT ?? "3107";
const apiPort = process.env.E2E_API_PORT ?? "4107";

export const PASSWORDS: Record<Role, string> = {
  admin: "e2e-admin-pass-1",
  engineer: "e2e-engineer-pass-1",
  governance: "e2e-governance-pass-1",
  analyst: "e2e-analyst-pass-1",
  oncall: "e2e-oncall-pass-1",
};

export const E2E = {
  consoleUrl: `http://localhost:${webPort}`,
  apiUrl: `http://127.0.0.1:${apiPort}`,
  dataDir: join(here, ".inlet-e2e"),
  authSecret: "e2e-only-secret-0123456789abcdefghijklmnop",
  serverEnv: {
    INLET_DATA_DIR: join(here, ".inlet-e2e"),
    INLET_WEB_PORT: webPort,
    INLET_API_PORT: apiPort,
    NEXTAUTH_URL: `http://localhost:${webPort}`,
    NEXTAUTH_SECRET: "e2e-only-secret-0123456789abcdefghijklmnop",
    ...Object.fromEntries(ROLES.map((role) => [`INLET_${role.toUpperCase()}_PASSWORD`, PASSWORDS[role]])),
    INLET_LOGIN_MAX_FAILURES: "3",
    LOG_LEVEL: "warn",
    INLET_WORKERS: process.env.E2E_WORKERS ?? "1",
    // Alerts are evaluated every 2 s, so the on-call journey sees one fire and resolve in minutes.
    INLET_ALERT_INTERVAL_MS: "2000",
    // Operations figures are sampled every 2 s, so the dashboard shows them within the journey.
    INLET_OPS_SAMPLE_SECONDS: "2",
  } as Record<string, string>,
};

export function emailOf(role: Role): string {
  return `${role}@inlet.local`;
}
