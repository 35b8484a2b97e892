// Chooses the catalog database: DATABASE_URL when set, otherwise an embedded PostgreSQL kept under
// the data directory (started here, reused when another local Inlet process already runs it, or
// adopted when the process that started it died without stopping it).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadEmbeddedPostgres } from "./embedded-postgres-loader";
import { migrate } from "./migrate";

export interface StartDatabaseOptions {
  /** When set, this server is used and nothing is started. */
  databaseUrl?: string | undefined;
  /** Where the embedded cluster lives (default .inlet/pg). */
  dataDir: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /**
   * Start the embedded server when none runs (default true). A worker passes false and waits for the
   * API's: a server it started would stop with it, under the API and the other workers.
   */
  startEmbedded?: boolean;
  /** How often a process that does not start the server looks for it again (default 2 s). */
  attachPollMs?: number;
  log?: (msg: string) => void;
}

export interface RunningDatabase {
  url: string;
  embedded: boolean;
  /** Stops the embedded server if this process started or adopted it. */
  stop(): Promise<void>;
}

/** pg-runtime.json: the running embedded server's URL and the process that answers for stopping it. */
interface RuntimeRecord {
  url: string;
  pid?: number;
}

interface Credentials {
  user: string;
  password: string;
  /** The port of the last start, reused when free so processes attached to it reconnect after a restart. */
  port?: number;
}

const DATABASE_NAME = "inlet";

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolveFree(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolveFree(true)));
  });
}

/** The port of the previous start when it is free, else a new free one (remembered for next time). */
async function stablePort(creds: Credentials, credsPath: string): Promise<number> {
  if (creds.port !== undefined && (await portIsFree(creds.port))) return creds.port;
  const port = await freePort();
  await writeFile(credsPath, JSON.stringify({ ...creds, port }), { mode: 0o600 });
  return port;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

export function runtimeFile(dataDir: string): string {
  return join(dataDir, "..", "pg-runtime.json");
}

/** Whether a process runs (a zombie, dead but not yet reaped, does not). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return true; // no /proc (not Linux): the signal check has to do
  }
  // The state follows the command name in parentheses, which may itself hold spaces or parentheses.
  const end = stat.lastIndexOf(")");
  return stat.slice(end + 2, end + 3) !== "Z";
}

/** The postmaster's pid from its pid file, present while the server runs. */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, "postmaster.pid"), "utf8").catch(() => undefined);
  const pid = Number(text?.split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Stops a server this process did not spawn: a fast shutdown (SIGINT, as `pg_ctl -m fast` sends),
 * waiting until the postmaster has exited (it removes its pid file last) or timeoutMs passed.
 */
async function stopPostmaster(dataDir: string, timeoutMs = 30_000): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (pid === undefined || !processRuns(pid)) return;
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + timeoutMs;
  while (processRuns(pid) && (await postmasterPid(dataDir)) === pid) {
    if (Date.now() > deadline) {
      throw new Error(`the embedded PostgreSQL (pid ${pid}) did not stop within ${timeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startDatabase(opts: StartDatabaseOptions): Promise<RunningDatabase> {
  const log = opts.log ?? (() => {});
  const shouldMigrate = opts.migrate ?? true;
  if (opts.databaseUrl) {
    if (shouldMigrate) await migrate(opts.databaseUrl);
    return { url: opts.databaseUrl, embedded: false, stop: async () => {} };
  }

  const runtimePath = runtimeFile(opts.dataDir);
  let waiting = false;
  for (;;) {
    const running = await readJson<RuntimeRecord>(runtimePath);
    if (running && (await canConnect(running.url))) {
      const ownerGone = running.pid === undefined || !processRuns(running.pid);
      // A server whose starter was killed would otherwise outlive every later stop. Only a process
      // that may start the server adopts it: a worker stopping it would stop it under the API.
      if (ownerGone && opts.startEmbedded !== false) {
        return adoptServer(opts, running, runtimePath, shouldMigrate, log);
      }
      log(`using the embedded PostgreSQL already running for ${opts.dataDir}`);
      if (shouldMigrate) await migrate(running.url);
      return { url: running.url, embedded: false, stop: async () => {} };
    }
    if (opts.startEmbedded !== false) break;
    if (!waiting) {
      waiting = true;
      log(
        `waiting for the embedded PostgreSQL in ${opts.dataDir}: start the API (npm start) with the same INLET_DATA_DIR, or set DATABASE_URL`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.attachPollMs ?? 2000));
  }

  const credsPath = join(opts.dataDir, "..", "pg-credentials.json");
  await mkdir(join(opts.dataDir, ".."), { recursive: true });
  let creds = await readJson<Credentials>(credsPath);
  const initialised = existsSync(join(opts.dataDir, "PG_VERSION"));
  if (!creds || !initialised) {
    creds = { user: "inlet", password: randomBytes(18).toString("base64url") };
    await writeFile(credsPath, JSON.stringify(creds), { mode: 0o600 });
  }
  const port = await stablePort(creds, credsPath);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port,
    user: creds.user,
    password: creds.password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as the OS user `postgres`.
    createPostgresUser: userInfo().uid === 0,
    onLog: () => {},
    onError: () => {},
  });
  if (!initialised) {
    log(`initialising an embedded PostgreSQL in ${opts.dataDir}`);
    await server.initialise();
  }
  await server.start();
  if (!initialised) await server.createDatabase(DATABASE_NAME);
  const url = `postgresql://${creds.user}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
  await writeFile(runtimePath, JSON.stringify({ url, pid: process.pid }), { mode: 0o600 });
  log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
  if (shouldMigrate) await migrate(url);

  let stopped = false;
  return {
    url,
    embedded: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      await rm(runtimePath, { force: true });
      // The postmaster running now may not be the process server.start() spawned (a `pg_ctl restart`
      // replaced it), and server.stop() would wait forever for that one's exit. Its pid file names it.
      await stopPostmaster(opts.dataDir);
    },
  };
}

/** Takes over a server left running by a process that is gone: recorded as this process's, stopped by it. */
async function adoptServer(
  opts: StartDatabaseOptions,
  running: RuntimeRecord,
  runtimePath: string,
  shouldMigrate: boolean,
  log: (msg: string) => void,
): Promise<RunningDatabase> {
  await writeFile(runtimePath, JSON.stringify({ url: running.url, pid: process.pid }), { mode: 0o600 });
  log(
    `adopting the embedded PostgreSQL running for ${opts.dataDir}: process ${running.pid ?? "(unrecorded)"}, which started it, is gone; it now stops with this process`,
  );
  if (shouldMigrate) await migrate(running.url);
  let stopped = false;
  return {
    url: running.url,
    embedded: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      await rm(runtimePath, { force: true });
      await stopPostmaster(opts.dataDir);
    },
  };
}
