// First-start data: one user per role and the sample "orders" source with its schema and an API key.
import type { PrismaClient } from "./generated/prisma/client";
import { ROLE_LABELS, ROLES, type Role } from "./roles";
import { generateApiKey, generatePassword, hashPassword } from "./secrets";

export const SEED_DOMAIN = "inlet.local";

export const ORDERS_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "Order",
  type: "object",
  required: ["id", "customer_id", "amount", "currency", "status", "created_at"],
  properties: {
    id: { type: "string", description: "Order id, unique per order" },
    customer_id: { type: "string" },
    email: { type: "string", format: "email" },
    amount: { type: "number", minimum: 0 },
    currency: { type: "string", enum: ["EUR", "USD", "GBP"] },
    status: { type: "string", enum: ["placed", "paid", "shipped", "cancelled"] },
    items: { type: "integer", minimum: 1 },
    country: { type: "string" },
    created_at: { type: "string", format: "date-time" },
  },
  additionalProperties: true,
} as const;

export interface SeedOptions {
  /** Password per role from the environment (e.g. INLET_ADMIN_PASSWORD); generated when absent. */
  passwords?: Partial<Record<Role, string>>;
  /** Create the sample source (default true). */
  sampleSource?: boolean;
}

export interface SeedResult {
  /** Users created by this call, with the password to print once (only for generated ones). */
  createdUsers: { email: string; role: Role; password: string; generated: boolean }[];
  /** The sample source's API key, when this call created it; it is never retrievable again. */
  sampleApiKey: string | undefined;
}

export function seedEmail(role: Role): string {
  return `${role}@${SEED_DOMAIN}`;
}

/** Idempotent: creates what is missing and never changes an existing user's password. */
export async function seed(prisma: PrismaClient, opts: SeedOptions = {}): Promise<SeedResult> {
  const createdUsers: SeedResult["createdUsers"] = [];
  for (const role of ROLES) {
    const email = seedEmail(role);
    const existing = await prisma.user.findUnique({ where: { email } });
    if (existing) continue;
    const given = opts.passwords?.[role];
    const password = given ?? generatePassword();
    await prisma.user.create({
      data: {
        email,
        name: ROLE_LABELS[role],
        roles: [role],
        passwordHash: await hashPassword(password),
      },
    });
    createdUsers.push({ email, role, password, generated: given === undefined });
  }

  let sampleApiKey: string | undefined;
  if (opts.sampleSource ?? true) {
    const exists = await prisma.source.findUnique({ where: { slug: "orders" } });
    if (!exists) {
      const admin = await prisma.user.findUnique({ where: { email: seedEmail("admin") } });
      const key = generateApiKey();
      await prisma.$transaction(async (tx) => {
        const source = await tx.source.create({
          data: {
            slug: "orders",
            name: "Orders",
            description: "Sample source: orders placed in the web shop.",
            kind: "http",
            idField: "id",
            timeField: "created_at",
            retentionDays: 365,
            createdById: admin?.id ?? null,
          },
        });
        const version = await tx.schemaVersion.create({
          data: { sourceId: source.id, version: 1, jsonSchema: ORDERS_SCHEMA, compatibility: "backward" },
        });
        await tx.source.update({ where: { id: source.id }, data: { activeSchemaVersionId: version.id } });
        const sampleKey = await tx.apiKey.create({
          data: { sourceId: source.id, name: "sample key", prefix: key.prefix, keyHash: key.hash },
        });
        await tx.auditLog.create({
          data: {
            actorEmail: "system",
            action: "api_key.create",
            targetType: "api_key",
            targetId: sampleKey.id,
            details: { source: "orders", name: "sample key", reason: "first-start seed" },
          },
        });
        await tx.auditLog.create({
          data: {
            actorEmail: "system",
            action: "source.create",
            targetType: "source",
            targetId: source.id,
            details: { slug: "orders", reason: "first-start seed" },
          },
        });
      });
      sampleApiKey = key.key;
    }
  }
  return { createdUsers, sampleApiKey };
}
