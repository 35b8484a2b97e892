// Chooses the catalog database: DATABASE_URL when set, otherwise an embedded PostgreSQL kept under
// the data directory (started here, or reused when another local Inlet process already runs it).
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
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
  /** Stops the embedded server if this process started it. */
  stop(): Promise<void>;
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
    const running = await readJson<{ url: string }>(runtimePath);
    if (running && (await canConnect(running.url))) {
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
      await server.stop();
    },
  };
}
