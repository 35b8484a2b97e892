// What `npm start` reads from the environment: the data directory, ports, the one listen address of
// the API and the console, and the URLs they reach each other at. The API checks its own settings.
import { join, resolve } from "node:path";

/** An environment variable, where an empty value counts as unset (as the API reads them). */
function setting(env, name, fallback) {
  const value = env[name];
  return value === undefined || value === "" ? fallback : value;
}

/**
 * `INLET_HOST` (default 127.0.0.1) is where both the API and the console listen, so neither is
 * reachable from other machines unless asked; `INLET_API_HOST` still overrides it for the API alone.
 */
export function startSettings(env, root) {
  const dataDir = resolve(root, setting(env, "INLET_DATA_DIR", ".inlet"));
  const webPort = setting(env, "INLET_WEB_PORT", "3000");
  const apiPort = setting(env, "INLET_API_PORT", "4000");
  const host = setting(env, "INLET_HOST", "127.0.0.1");
  const apiHost = setting(env, "INLET_API_HOST", host);
  const problems = [];
  if (!/^\d+$/.test(webPort) || Number(webPort) < 1 || Number(webPort) > 65535) {
    problems.push(`INLET_WEB_PORT (${JSON.stringify(webPort)}) must be a port number from 1 to 65535`);
  }
  // A wildcard address is listened on, not connected to.
  const reachable = (h) => (h === "0.0.0.0" || h === "::" ? "127.0.0.1" : h);
  const urlHost = (h) => (h.includes(":") ? `[${h}]` : h);
  return {
    dataDir,
    webPort,
    apiPort,
    host,
    apiHost,
    lakeUrl: setting(env, "INLET_LAKE_URL", `file://${join(dataDir, "lake")}`),
    // Where the console's server reaches the API: given, or the API's own address and port.
    apiUrl: setting(env, "INLET_API_URL", `http://${urlHost(reachable(apiHost))}:${apiPort}`),
    consoleUrl: setting(env, "NEXTAUTH_URL", `http://localhost:${webPort}`),
    problems,
  };
}

/** The console's `next start` arguments: its port and the shared listen address. */
export function consoleStartArgs(settings) {
  return ["start", "-p", settings.webPort, "-H", settings.host];
}
