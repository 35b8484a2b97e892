// `npm start`: builds the console if needed, then runs the API (with embedded Postgres and the
// workers) and the Next.js console, and stops both together.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { consoleStartArgs, startSettings } from "./start-settings.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const settings = startSettings(process.env, root);
const { dataDir, consoleUrl } = settings;

// The API checks its own settings at start; the console's port is only used here.
for (const problem of settings.problems) console.error(`inlet: ${problem}`);
if (settings.problems.length > 0) process.exit(1);

function authSecret() {
  if (process.env.NEXTAUTH_SECRET) return process.env.NEXTAUTH_SECRET;
  const file = join(dataDir, "auth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

const env = {
  ...process.env,
  INLET_DATA_DIR: dataDir,
  INLET_API_PORT: settings.apiPort,
  INLET_HOST: settings.host,
  INLET_API_HOST: settings.apiHost,
  INLET_LAKE_URL: settings.lakeUrl,
  INLET_API_URL: settings.apiUrl,
  NEXTAUTH_URL: consoleUrl,
  NEXTAUTH_SECRET: authSecret(),
  NEXT_TELEMETRY_DISABLED: "1",
  TURBO_TELEMETRY_DISABLED: "1",
};

if (process.env.INLET_SKIP_BUILD !== "1") {
  const build = spawnSync(
    "npx",
    ["turbo", "run", "build", "--filter=@inlet/web", "--output-logs=errors-only"],
    {
      cwd: root,
      env,
      stdio: "inherit",
    },
  );
  if (build.status !== 0) {
    console.error("inlet: building the console failed (see above)");
    process.exit(build.status ?? 1);
  }
}

const children = [];
let stopping = false;

/**
 * `ownGroup`: the child gets its own process group, so Ctrl+C in the terminal reaches it only through
 * stop() below. The API needs that: its embedded PostgreSQL and workers are its children, and a
 * terminal SIGINT to all of them at once would cut requests and flushes short instead of finishing
 * them. Every child has an IPC channel, so that it notices if this process dies without stopping it
 * (the console through scripts/exit-with-parent.cjs).
 */
function run(name, command, args, cwd, { ownGroup = false } = {}) {
  const child = spawn(command, args, {
    cwd,
    env,
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    detached: ownGroup,
  });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`inlet: ${name} exited (${signal ?? code}); stopping`);
    stop(code ?? 1);
  });
  return child;
}

async function waitForApi(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${env.INLET_API_URL}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the API did not answer on ${env.INLET_API_URL}/healthz within ${timeoutMs / 1000} s`);
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  let alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of alive) c.kill("SIGTERM");
  const force = setTimeout(() => {
    for (const c of alive) c.kill("SIGKILL");
  }, 35_000);
  const check = setInterval(() => {
    alive = alive.filter((c) => c.exitCode === null && c.signalCode === null);
    if (alive.length === 0) {
      clearInterval(check);
      clearTimeout(force);
      process.exit(code);
    }
  }, 100);
}

process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

run("api", process.execPath, ["--import", "tsx", "src/main.ts"], join(root, "apps/api"), { ownGroup: true });
await waitForApi().catch((err) => {
  console.error(`inlet: ${err.message}`);
  stop(1);
});
if (!stopping) {
  run(
    "console",
    process.execPath,
    [
      "--require",
      join(root, "scripts/exit-with-parent.cjs"),
      join(root, "node_modules/next/dist/bin/next"),
      ...consoleStartArgs(settings),
    ],
    join(root, "apps/web"),
  );
  console.log(
    `\nInlet is running.\n  Console:    ${consoleUrl}  (sign in with an account printed at first start; see ${join(dataDir, "initial-credentials.txt")})\n  Ingest API: ${env.INLET_API_URL}/v1/sources/{slug}/events\n  Metrics:    ${env.INLET_API_URL}/metrics\nPress Ctrl+C to stop.\n`,
  );
}
