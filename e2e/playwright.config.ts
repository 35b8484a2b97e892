// Playwright runs the console as a user would: `npm start` on a fresh data directory, Debian's Chromium.
import { defineConfig } from "@playwright/test";
import { E2E } from "./env";

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  outputDir: "./test-results",
  use: {
    baseURL: E2E.consoleUrl,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.INLET_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  webServer: {
    // A fresh data directory each run: embedded Postgres, lake folder and seed start from nothing.
    command: `rm -rf ${E2E.dataDir} && exec node ../scripts/start.mjs`,
    url: `${E2E.apiUrl}/readyz`,
    // `npm run test:e2e` builds the console first, so this start finds turbo's cached build.
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
    env: E2E.serverEnv,
  },
});
