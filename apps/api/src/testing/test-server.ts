// Builds a real API server over a fresh database for integration tests, and mints session tokens
// exactly as the console's next-auth would.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROLES, type Role, seed } from "@inlet/db";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { createObjectStore, createQueue, type ObjectStore, PgCatalog, type Queue } from "@inlet/lake-core";
import { encode } from "next-auth/jwt";
import pino from "pino";
import { type ApiConfig, loadConfig } from "../config";
import { buildServer, type ServerExtras } from "../server";

export const TEST_SECRET = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz";
export const TEST_PASSWORD = "correct-horse-battery";

export interface TestServer {
  app: Awaited<ReturnType<typeof buildServer>>["app"];
  config: ApiConfig;
  database: TestDatabase;
  queue: Queue;
  tokenFor(role: Role): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(
  env: Record<string, string> = {},
  extras: ServerExtras = {},
  storeOverride?: ObjectStore,
): Promise<TestServer> {
  const database = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), "inlet-api-test-"));
  const config = loadConfig({
    NEXTAUTH_SECRET: TEST_SECRET,
    INLET_DATA_DIR: dir,
    LOG_LEVEL: "silent",
    ...env,
  });
  const passwords = Object.fromEntries(ROLES.map((role) => [role, TEST_PASSWORD]));
  await seed(database.db.prisma, { passwords });
  const store = storeOverride ?? createObjectStore(`file://${join(dir, "lake")}`);
  const queue = await createQueue({ kind: "postgres", pool: database.db.pool });
  const logger = pino({ level: "silent" });
  const { app } = await buildServer(
    { config, db: database.db, catalog: new PgCatalog(database.db), store, queue, logger },
    extras,
  );
  await app.ready();
  return {
    app,
    config,
    database,
    queue,
    async tokenFor(role) {
      const user = await database.db.prisma.user.findUniqueOrThrow({
        where: { email: `${role}@inlet.local` },
      });
      return encode({
        token: { sub: user.id, email: user.email, name: user.name, roles: user.roles },
        secret: TEST_SECRET,
      });
    },
    async close() {
      await app.close();
      await queue.close();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
