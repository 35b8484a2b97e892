// @inlet/db: the only module that touches @prisma/client. Catalog access, bootstrap and seed.
export { type CreateDbOptions, createDb, type Db } from "./client";
export {
  freePort,
  type RunningDatabase,
  runtimeFile,
  type StartDatabaseOptions,
  startDatabase,
} from "./embedded";
export type * from "./generated/prisma/client";
export { Prisma, PrismaClient } from "./generated/prisma/client";
export * from "./generated/prisma/enums";
export { MIGRATIONS_DIR, migrate, readMigrations } from "./migrate";
export { ROLE_LABELS, ROLES, type Role } from "./roles";
export {
  dummyPasswordHash,
  type GeneratedApiKey,
  generateApiKey,
  generatePassword,
  hashApiKey,
  hashPassword,
  verifyPassword,
} from "./secrets";
export {
  ORDERS_SCHEMA,
  SEED_DOMAIN,
  type SeedOptions,
  type SeedResult,
  seed,
  seedEmail,
} from "./seed";
