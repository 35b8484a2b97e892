import { generateApiKey } from "@inlet/db";
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { PgCatalog } from "@inlet/lake-core";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestAuthenticator } from "./api-key-auth";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

async function sourceWithKey(slug: string) {
  const source = await database.db.prisma.source.create({ data: { slug, name: slug } });
  const k = generateApiKey();
  const key = await database.db.prisma.apiKey.create({
    data: { sourceId: source.id, name: "k", prefix: k.prefix, keyHash: k.hash },
  });
  return { source, key, secret: k.key };
}

describe("IngestAuthenticator", () => {
  it("refuses a revoked key within 5 seconds, not before its cached lookup expires", async () => {
    const { key, secret } = await sourceWithKey("revoke-me");
    let t = 1_000_000;
    const auth = new IngestAuthenticator(database.db, new PgCatalog(database.db), pino({ level: "silent" }), {
      clock: () => t,
    });
    expect((await auth.authenticate("revoke-me", `Bearer ${secret}`)).ok).toBe(true);
    await database.db.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    t += 4_000;
    expect((await auth.authenticate("revoke-me", `Bearer ${secret}`)).ok).toBe(true);
    t += 1_001;
    expect(await auth.authenticate("revoke-me", `Bearer ${secret}`)).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it("says what is wrong with an Authorization header that holds no Bearer key", async () => {
    const { secret } = await sourceWithKey("schemes");
    const auth = new IngestAuthenticator(database.db, new PgCatalog(database.db), pino({ level: "silent" }));
    const message = async (header: string | undefined) => {
      const r = await auth.authenticate("schemes", header);
      return r.ok ? "ok" : r.message;
    };
    expect(await message(undefined)).toBe(
      "Missing API key: send it as the header Authorization: Bearer <key>",
    );
    expect(await message(`Basic ${Buffer.from(`x:${secret}`).toString("base64")}`)).toBe(
      "Authorization uses the Basic scheme: send the API key as Authorization: Bearer <key>",
    );
    expect(await message("Bearer ")).toBe(
      "Authorization Bearer holds no key: send the API key as Authorization: Bearer <key>",
    );
    expect(await message(`Bearer ${secret}`)).toBe("ok");
  });

  it("refuses a paused source within 5 seconds", async () => {
    const { source, secret } = await sourceWithKey("pause-me");
    let t = 1_000_000;
    const auth = new IngestAuthenticator(database.db, new PgCatalog(database.db), pino({ level: "silent" }), {
      clock: () => t,
    });
    expect((await auth.authenticate("pause-me", `bearer ${secret}`)).ok).toBe(true);
    await database.db.prisma.source.update({ where: { id: source.id }, data: { status: "paused" } });
    t += 5_001;
    expect(await auth.authenticate("pause-me", `Bearer ${secret}`)).toMatchObject({ status: 409 });
  });

  it("never caches longer than 5 seconds, whatever it is asked", async () => {
    const { key, secret } = await sourceWithKey("ttl-capped");
    let t = 1_000_000;
    const auth = new IngestAuthenticator(database.db, new PgCatalog(database.db), pino({ level: "silent" }), {
      clock: () => t,
      cacheTtlMs: 60_000,
    });
    expect((await auth.authenticate("ttl-capped", `Bearer ${secret}`)).ok).toBe(true);
    await database.db.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    t += 5_001;
    expect((await auth.authenticate("ttl-capped", `Bearer ${secret}`)).ok).toBe(false);
  });

  it("writes last_used_at at most once a minute", async () => {
    const { key, secret } = await sourceWithKey("touch-me");
    let t = Date.parse("2024-05-01T10:00:00Z");
    const auth = new IngestAuthenticator(database.db, new PgCatalog(database.db), pino({ level: "silent" }), {
      clock: () => t,
    });
    const lastUsed = async () =>
      (
        await database.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })
      ).lastUsedAt?.toISOString();
    await auth.authenticate("touch-me", `Bearer ${secret}`);
    expect(await lastUsed()).toBe("2024-05-01T10:00:00.000Z");
    t += 30_000;
    await auth.authenticate("touch-me", `Bearer ${secret}`);
    expect(await lastUsed()).toBe("2024-05-01T10:00:00.000Z");
    t += 31_000;
    await auth.authenticate("touch-me", `Bearer ${secret}`);
    expect(await lastUsed()).toBe("2024-05-01T10:01:01.000Z");
  });

  it("shares one lookup between concurrent requests with the same key", async () => {
    const { secret } = await sourceWithKey("concurrent");
    const auth = new IngestAuthenticator(database.db, new PgCatalog(database.db), pino({ level: "silent" }));
    const results = await Promise.all(
      Array.from({ length: 10 }, () => auth.authenticate("concurrent", `Bearer ${secret}`)),
    );
    expect(results.every((r) => r.ok)).toBe(true);
  });
});
